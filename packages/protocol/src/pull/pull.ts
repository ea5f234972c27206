import { StoreError } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { getRemote } from '../remotes/remote-config.js';
import type { Remote, RemoteProtocol } from '../remotes/remote.js';
import { HttpClient } from '../transport/http-client.js';
import { probeSmart } from './smart-probe.js';
import { dumbPull } from './dumb-pull.js';
import type { PullProgress } from './progress.js';
import type { PullContext, PullOptions, PullResult, PullTrust } from './pull-types.js';
import { remoteVerification } from '../remotes/remote-trust.js';
import { smartPull, type SmartPullProgress } from './smart-pull.js';

/**
 * Requests in flight in a dumb pull, one per kept-alive connection. A dumb pull is one request
 * per object (~9000 for a 320 MB rootfs), so over a wide-area link its time is objects / in
 * flight × round trip: at 40 ms, 16 in flight took as long as ostree's pull (60 s); 64 took
 * 25-30 s in the same minutes. One connection per request (no HTTP/1.1 pipelining) keeps a
 * 50 MB file from holding up the small requests queued behind it on its connection.
 */
const DUMB_CONNECTIONS = 64;

/**
 * `osgit pull`: pulls refs of a configured remote into the repository, over the smart protocol
 * when the server offers it (one probe of /osgit/v1/capabilities), else over OSTree's dumb one.
 * `protocol: 'smart'` against a server without the smart side is SMART_UNAVAILABLE. Objects are
 * verified before they are stored, refs move last by compare-and-swap; a failed pull keeps what
 * it verified and moves no ref, so running it again resumes.
 */
export async function pull(ctx: PullContext, opts: PullOptions): Promise<PullResult> {
  const started = Date.now();
  const remote = await getRemote(ctx.repo, opts.remote);
  const refs = opts.refs && opts.refs.length > 0 ? [...opts.refs] : remote.branches;
  if (refs.length === 0 && !opts.mirror) {
    throw new StoreError('INVALID_ARGUMENT', `no refs to pull: name them, or configure branches= for remote ${remote.name}`, { remote: remote.name });
  }
  const depth = opts.depth ?? 0;
  if (!Number.isInteger(depth) || depth < -1) {
    throw new StoreError('INVALID_ARGUMENT', `depth must be -1 (all) or a number of parents >= 0, not ${depth}`, { depth });
  }
  // What to verify, decided (and the keys loaded: KEY_INVALID, REMOTE_INVALID) before any request.
  const verification = await remoteVerification(ctx.repo, remote);
  const trust: PullTrust = {
    verification, allowDowngrade: opts.allowDowngrade ?? false,
    ...(remote.trust.maxSummaryAgeSecs !== undefined ? { maxSummaryAgeSecs: remote.trust.maxSummaryAgeSecs } : {}),
  };
  const stallTimeoutMs = (opts.stallTimeoutSecs ?? remote.stallTimeoutSecs ?? 30) * 1000;
  const connections = opts.connections ?? DUMB_CONNECTIONS;
  const http = new HttpClient({
    stallTimeoutMs,
    connections,
    ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
    ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
  });
  try {
    const protocol = await chooseProtocol(remote, opts.protocol ?? remote.protocol ?? 'auto', stallTimeoutMs, ctx.signal);
    if (protocol === 'smart') {
      return await viaSmart(ctx, remote, { refs, depth, opts, stallTimeoutMs, started, trust });
    }
    return await dumbPull({ ...ctx, remote, http }, {
      refs, depth, mirror: opts.mirror ?? false, commitMetadataOnly: opts.commitMetadataOnly ?? false, connections, trust,
      deferMirrorSummary: opts.deferMirrorSummary ?? false,
    });
  } finally {
    await http.close();
  }
}

async function chooseProtocol(remote: Remote, wanted: RemoteProtocol, stallTimeoutMs: number, signal?: AbortSignal): Promise<'smart' | 'dumb'> {
  if (wanted === 'dumb') return 'dumb';
  // One probe; a static server (nginx, a CDN) answers it with a 404, or a page that is not osgit's JSON.
  if (signal?.aborted) throw signal.reason;
  if (await probeSmart({ url: remote.url, stallTimeoutMs })) return 'smart';
  if (wanted === 'smart') {
    throw new ProtocolError('SMART_UNAVAILABLE', `${remote.url} does not offer osgit's smart protocol (no /osgit/v1/capabilities with fetch); pull with --protocol dumb or auto`, { url: remote.url, remote: remote.name });
  }
  return 'dumb';
}

async function viaSmart(
  ctx: PullContext, remote: Remote, a: { refs: string[]; depth: number; opts: PullOptions; stallTimeoutMs: number; started: number; trust: PullTrust },
): Promise<PullResult> {
  const r = await smartPull(
    { repo: ctx.repo, remote: { name: remote.name, url: remote.url }, ...(ctx.onProgress ? { onProgress: smartProgress(ctx.onProgress) } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) },
    {
      ...(a.refs.length > 0 ? { refs: a.refs } : {}),
      depth: a.depth,
      mirror: a.opts.mirror ?? false,
      deferMirrorSummary: a.opts.deferMirrorSummary ?? false,
      commitMetadataOnly: a.opts.commitMetadataOnly ?? false,
      stallTimeoutMs: a.stallTimeoutMs,
      ...(a.opts.retries !== undefined ? { retries: a.opts.retries } : {}),
      trust: a.trust,
    },
  );
  return {
    remote: remote.name,
    protocol: 'smart',
    refs: r.refs.map((x) => ({ ref: x.remoteRef, localRef: x.localRef, commit: x.new, old: x.old })),
    objects: r.fetched.objects,
    bytes: r.fetched.bytes,
    requests: 0,
    durationMs: Date.now() - a.started,
    ...(r.mirrorSummary ? { mirrorSummary: r.mirrorSummary } : {}),
    verified: r.verified,
    warnings: a.trust.verification?.warning ? [a.trust.verification.warning] : [],
  };
}

/** The smart pull's progress as the one PullProgress type the CLI draws. */
function smartProgress(sink: (p: PullProgress) => void): (p: SmartPullProgress) => void {
  return (p) => {
    const phase = p.phase === 'objects' ? 'content' : p.phase === 'refs-update' ? 'writing' : p.phase === 'done' ? 'done' : 'metadata';
    sink({ phase, objects: p.objectsDone, objectsTotal: p.objectsTotal, bytes: p.bytesDone, bytesTotal: p.bytesTotal });
  };
}
