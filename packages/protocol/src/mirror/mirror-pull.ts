import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Checksum, type Repo, acquireLock, atomicWriteFile } from '@osgit/store';
import { getRemote } from '../remotes/remote-config.js';
import { remoteVerification } from '../remotes/remote-trust.js';
import { pull } from '../pull/pull.js';
import type { MirrorSummary, PullContext, PullOptions, PullResult } from '../pull/pull-types.js';
import { urlFor } from '../pull/dumb-layout.js';
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
 * 1. the pull itself (smart or dumb; verified, resumable: see pull()), every ref of the summary
 *    when no refs are given and the remote has no `branches=`;
 * 2. the detached metadata of every ref's commit fetched again and replaced when the origin's
 *    differs (signatures added after publication: see refreshDetachedMetadata);
 * 3. with every ref mirrored, the static deltas the summary names, and their delta-indexes/,
 *    then last the summary and summary.sig verbatim, so that the mirror's summary never names a
 *    delta or commit it lacks (a mirror with a ref filter has no summary of its own, so no
 *    deltas either, as with ostree).
 * Steps 2 and 3 hold the repository's shared lock (prune takes the exclusive one). A run killed
 * at any point leaves a repository that a rerun completes.
 */
export async function mirrorPull(ctx: PullContext, opts: MirrorPullOptions): Promise<MirrorPullResult> {
  const started = Date.now();
  const { repo } = ctx;
  const remote = await getRemote(repo, opts.remote);
  const all = (opts.refs && opts.refs.length > 0 ? opts.refs : remote.branches).length === 0;
  const pulled = await pull(ctx, { ...opts, mirror: true, deferMirrorSummary: true });
  const http = new HttpClient({ stallTimeoutMs: (opts.stallTimeoutSecs ?? remote.stallTimeoutSecs ?? 30) * 1000 });
  const lock = await acquireLock(repo.path, 'shared');
  try {
    const signal = ctx.signal ? { signal: ctx.signal } : {};
    const keys = (await remoteVerification(repo, remote)).commits;
    const detachedMetadataUpdated = await refreshDetachedMetadata(
      { repo, http, objectsUrl: remote.contentUrl ?? remote.url, keys, ...signal }, pulled.refs.map((r) => r.commit),
    );
    let deltas: CopyDeltasResult = { copied: [], indexes: 0, bytes: 0 };
    const copied = pulled.mirrorSummary;
    if (all && copied) {
      deltas = await copyDeltas({ repo, http, baseUrl: remote.url, ...signal }, parseSummaryDeltas(copied.summary, urlFor(remote.url, 'summary')));
      // Last: the summary names only what is here (its refs, their objects, its deltas).
      await writeSummary(repo, copied);
    }
    const { mirrorSummary: _, ...result } = pulled;
    return {
      ...result,
      summaryCopied: all && copied !== undefined,
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

/** The origin's summary and signature, verbatim; a stale summary.sig goes (it would not match). */
async function writeSummary(repo: Repo, s: MirrorSummary): Promise<void> {
  await atomicWriteFile(join(repo.path, 'summary'), s.summary, { fsync: repo.fsync });
  if (s.summarySig) await atomicWriteFile(join(repo.path, 'summary.sig'), s.summarySig, { fsync: repo.fsync });
  else await rm(join(repo.path, 'summary.sig'), { force: true });
}
