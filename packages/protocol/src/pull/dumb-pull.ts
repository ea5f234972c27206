import { setMaxListeners } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Checksum, type RefName, type RefUpdate, Transaction, atomicWriteFile, clearCommitPartial, formatRef, readRef,
} from '@osgit/store';
import type { Remote } from '../remotes/remote.js';
import type { HttpClient } from '../transport/http-client.js';
import { DumbWalk } from './dumb-walk.js';
import { urlFor } from './dumb-layout.js';
import type { PullContext, PullResult, PullTrust, PulledRef } from './pull-types.js';
import { resolveRemoteRefs } from './resolve-refs.js';
import { CommitGate, isTrustRefusal } from './verify-commits.js';
import { discardRefusedPull, gatedTargets, summaryVerifier } from './verify-pull.js';

export interface DumbPullContext extends PullContext {
  remote: Remote;
  http: HttpClient;
}

export interface DumbPullOptions {
  /** refs to pull; empty with `mirror`: every ref of the remote's summary */
  refs: readonly string[];
  depth: number;
  mirror: boolean;
  commitMetadataOnly: boolean;
  connections: number;
  /** mirror hook: return the summary instead of writing it (see PullOptions) */
  deferMirrorSummary?: boolean;
  /** what to verify; absent: nothing (ref binding and downgrade are still checked) */
  trust?: PullTrust;
}

/**
 * Pulls from a static OSTree archive repository (reference/ostree-formats.md §5.1): resolves the
 * refs (summary, else refs/heads/), fetches what the repository lacks in one transaction, then
 * moves the refs last, each by compare-and-swap against the value it had when the pull began.
 * On any failure the transaction is committed WITHOUT refs: every object that was verified is
 * kept, the commits stay marked partial, and a second pull fetches only what is still missing.
 * Then the error is rethrown.
 */
export async function dumbPull(ctx: DumbPullContext, opts: DumbPullOptions): Promise<PullResult> {
  const started = Date.now();
  const { repo, remote, http } = ctx;
  const all = opts.mirror && opts.refs.length === 0;
  const summaryCheck = summaryVerifier(opts.trust, remote.name, urlFor(remote.url, 'summary'));
  const resolved = await resolveRemoteRefs(http, remote.url, {
    refs: opts.refs, all, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(summaryCheck.verify ? { verifySummary: summaryCheck.verify } : {}),
  });

  const pulled: PulledRef[] = [];
  const updates: RefUpdate[] = [];
  for (const [ref, { commit }] of resolved.targets) {
    const local: RefName = opts.mirror ? { remote: null, name: ref } : { remote: remote.name, name: ref };
    const old = await readRef(repo, local);
    pulled.push({ ref, localRef: formatRef(local), commit, old });
    updates.push({ ref: local, expected: old, value: commit, reason: 'pull' });
  }
  const gate = new CommitGate({
    repo, remote: remote.name, keys: opts.trust?.verification?.commits ?? null,
    targets: gatedTargets(pulled), allowDowngrade: opts.trust?.allowDowngrade ?? false,
  });
  await gate.checkLocalTargets(); // before anything is fetched

  const abort = new AbortController();
  // Every request in flight listens to this one signal (undici adds one listener per request).
  setMaxListeners(0, abort.signal);
  const onAbort = (): void => abort.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const tx = await Transaction.begin(repo);
  const walk = new DumbWalk({
    repo, tx, http,
    objectsUrl: remote.contentUrl ?? remote.url,
    depth: opts.depth,
    commitMetadataOnly: opts.commitMetadataOnly,
    connections: opts.connections,
    signal: abort.signal,
    gate,
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
  try {
    await walk.run(uniqueCommits(resolved.targets));
  } catch (err) {
    abort.abort(err);
    if (isTrustRefusal(err)) {
      await discardRefusedPull(repo, tx, walk.marked);
    } else {
      // Keep what was verified (no ref moves): the retry resumes instead of starting over.
      await tx.commit().catch(() => undefined);
    }
    throw err;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  ctx.onProgress?.({ phase: 'writing', objects: walk.objects, bytes: walk.bytes });
  await tx.commit({ refs: updates });
  // Only now is every object of these commits durable in objects/.
  for (const c of walk.completed) await clearCommitPartial(repo, c);
  const deferred = all && resolved.summary && opts.deferMirrorSummary ? { summary: resolved.summary, summarySig: resolved.summarySig } : null;
  if (all && resolved.summary && !deferred) {
    // A mirror of every ref copies the summary and its signature verbatim, as ostree does.
    await atomicWriteFile(join(repo.path, 'summary'), resolved.summary, { fsync: repo.fsync });
    if (resolved.summarySig) await atomicWriteFile(join(repo.path, 'summary.sig'), resolved.summarySig, { fsync: repo.fsync });
    else await rm(join(repo.path, 'summary.sig'), { force: true }); // mirror: a stale signature would not match the new summary
  }
  ctx.onProgress?.({ phase: 'done', objects: walk.objects, bytes: walk.bytes });
  return {
    remote: remote.name,
    protocol: 'dumb',
    refs: pulled,
    objects: walk.objects,
    bytes: walk.bytes,
    requests: http.stats.requests,
    durationMs: Date.now() - started,
    ...(deferred ? { mirrorSummary: deferred } : {}),
    verified: gate.result(summaryCheck.verified(), summaryCheck.keys),
    warnings: opts.trust?.verification?.warning ? [opts.trust.verification.warning] : [],
  };
}

function uniqueCommits(targets: Map<string, { commit: Checksum; commitSize?: number }>): Array<{ commit: Checksum; commitSize?: number }> {
  const seen = new Map<Checksum, { commit: Checksum; commitSize?: number }>();
  for (const t of targets.values()) if (!seen.has(t.commit)) seen.set(t.commit, t);
  return [...seen.values()];
}
