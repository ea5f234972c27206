import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Checksum, acquireLock } from '@osgit/store';
import { getRemote } from '../remotes/remote-config.js';
import { pull } from '../pull/pull.js';
import type { PullContext, PullOptions, PullResult } from '../pull/pull-types.js';
import { HttpClient } from '../transport/http-client.js';
import { copyDeltas, type CopyDeltasResult } from './copy-deltas.js';
import { refreshDetachedMetadata } from './detached-metadata.js';
import { parseSummaryDeltas } from './summary-deltas.js';

export type MirrorPullOptions = Omit<PullOptions, 'mirror'>;

export interface MirrorPullResult extends PullResult {
  /** every ref of the origin was mirrored, so its `summary` (and `summary.sig`) were copied verbatim */
  summaryCopied: boolean;
  /** commits whose detached metadata (signatures) changed on the origin since the mirror had them */
  detachedMetadataUpdated: Checksum[];
  /** static deltas copied by this run (the summary's, only when every ref is mirrored) */
  deltas: CopyDeltasResult;
}

/**
 * `osgit pull --mirror`: a verbatim copy of the origin's refs (refs/heads/REF, as `ostree pull
 * --mirror`), history to `depth`, and what ostree copies besides the objects. Three steps:
 * 1. the pull itself (smart or dumb; verified, resumable: see pull()), which copies the summary
 *    and summary.sig verbatim when every ref is mirrored (no refs given and no `branches=`);
 * 2. the detached metadata of every ref's commit fetched again and replaced when the origin's
 *    differs (signatures added after publication: see refreshDetachedMetadata);
 * 3. with every ref mirrored, the static deltas the copied summary names, and their
 *    delta-indexes/ (a mirror with a ref filter has no summary of its own, so no deltas either,
 *    as with ostree).
 * Steps 2 and 3 hold the repository's shared lock (prune takes the exclusive one). A run killed
 * at any point leaves a repository that a rerun completes.
 */
export async function mirrorPull(ctx: PullContext, opts: MirrorPullOptions): Promise<MirrorPullResult> {
  const started = Date.now();
  const { repo } = ctx;
  const remote = await getRemote(repo, opts.remote);
  const all = (opts.refs && opts.refs.length > 0 ? opts.refs : remote.branches).length === 0;
  const pulled = await pull(ctx, { ...opts, mirror: true });
  const http = new HttpClient({ stallTimeoutMs: (opts.stallTimeoutSecs ?? remote.stallTimeoutSecs ?? 30) * 1000 });
  const lock = await acquireLock(repo.path, 'shared');
  try {
    const signal = ctx.signal ? { signal: ctx.signal } : {};
    const detachedMetadataUpdated = await refreshDetachedMetadata(
      { repo, http, objectsUrl: remote.contentUrl ?? remote.url, ...signal }, pulled.refs.map((r) => r.commit),
    );
    let deltas: CopyDeltasResult = { copied: [], indexes: 0, bytes: 0 };
    if (all) {
      // The summary step 1 copied (verbatim, so it names the origin's deltas).
      const summary = await readFile(join(repo.path, 'summary'));
      deltas = await copyDeltas({ repo, http, baseUrl: remote.url, ...signal }, parseSummaryDeltas(summary, join(repo.path, 'summary')));
    }
    return {
      ...pulled,
      summaryCopied: all,
      detachedMetadataUpdated,
      deltas,
      requests: pulled.requests + http.stats.requests,
      bytes: pulled.bytes + deltas.bytes,
      durationMs: Date.now() - started,
    };
  } finally {
    await lock.release();
    await http.close();
  }
}
