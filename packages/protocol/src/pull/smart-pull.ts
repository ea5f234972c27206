/**
 * `osgit pull --protocol smart`: one negotiation, then one streamed pack of just the missing
 * objects (DESIGN §5). Steps: the remote's refs; a plan for the wanted commits given the
 * complete commits we have (the server skips their subtrees); the plan minus what the repo
 * already has (so an interrupted pull resumes for free); the pack, verified object by object
 * while it streams; a check that the plan left no hole; then the refs, last, by compare-and-swap.
 * On failure the verified objects are kept (the transaction commits without refs), the commits
 * stay marked partial and no ref moves; transient failures are retried that way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  StoreError, Transaction, clearCommitPartial, isCommitPartial, markCommitPartial, readRef, verifyMetadataObject, type Checksum, type ObjectType,
  type RefName, type RefUpdate, type Repo,
} from '@osgit/store';
import type { Agent } from 'node:http';
import { ProtocolError } from '../errors.js';
import { MAX_PACK_REQUEST_OBJECTS, writePackRequest, type ObjectRef } from '../smart/fetch-pack.js';
import { parseFetchPlanResponse, writeFetchPlanRequest, type PlannedObject } from '../smart/fetch-plan.js';
import { MSGPACK_CONTENT_TYPE } from '../smart/msgpack.js';
import { parseRefsResponse } from '../smart/refs.js';
import { backoffDelay } from '../transport/retry-policy.js';
import { SmartHttp, isTransient } from './smart-http.js';
import { localHaves } from './smart-haves.js';
import { receivePack } from './smart-receive.js';
import { checkPlanConnected, keyOf } from './smart-connectivity.js';
import { listRemoteSummary, writeMirroredSummary } from './smart-mirror.js';
import type { MirrorSummary } from './pull-types.js';
import type { PullTrust } from './pull-types.js';
import { CommitGate, isTrustRefusal, type VerifiedSummary } from './verify-commits.js';
import { discardRefusedPull, gatedTargets, summaryVerifier } from './verify-pull.js';

export interface SmartPullContext {
  repo: Repo;
  remote: { name: string; url: string };
  /** The connection pool (default: smart-http's kept-alive agent; node:http, see there why). */
  agent?: Agent;
  onProgress?: (p: SmartPullProgress) => void;
  /** Aborts the pull: requests stop, verified objects are kept, no ref moves; rejects with the reason. */
  signal?: AbortSignal;
}

export interface SmartPullOptions {
  /** Remote refs to pull (default: every ref the remote has). */
  refs?: readonly string[];
  /** Parents to fetch behind each commit: 0 (default) the commit only, -1 all history. */
  depth?: number;
  /** Write refs/heads/REF instead of refs/remotes/REMOTE/REF; with no refs, every ref of the summary, and the summary. */
  mirror?: boolean;
  /** mirror hook: return the summary in the result instead of writing it (see PullOptions) */
  deferMirrorSummary?: boolean;
  commitMetadataOnly?: boolean;
  /** A response silent for this long is abandoned (STALLED) and retried. Default 30 s. */
  stallTimeoutMs?: number;
  /** Further attempts after a transient failure (cut connection, stall, 5xx). Default 2. */
  retries?: number;
  /** What to verify; absent: nothing (ref binding and downgrade are still checked). */
  trust?: PullTrust;
}

export interface SmartPullProgress {
  phase: 'refs' | 'plan' | 'objects' | 'refs-update' | 'done';
  objectsDone: number;
  objectsTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface PulledRef {
  /** the remote's ref name */
  remoteRef: string;
  /** the local ref written (`REMOTE:REF`, or `REF` with mirror) */
  localRef: string;
  old: Checksum | null;
  new: Checksum;
}

export interface SmartPullResult {
  protocol: 'smart';
  remote: string;
  refs: PulledRef[];
  /** objects the server planned, and how many of them this pull fetched */
  planned: { objects: number; bytes: number };
  fetched: { objects: number; bytes: number };
  /** with `deferMirrorSummary`: the summary the refs were read from, not written */
  mirrorSummary?: MirrorSummary;
  /** see PullResult.verified */
  verified: VerifiedSummary | null;
}

/** Pulls over the smart protocol. Atomic per ref (compare-and-swap, last); resumable; see above. */
export async function smartPull(ctx: SmartPullContext, opts: SmartPullOptions = {}): Promise<SmartPullResult> {
  const retries = opts.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    try {
      return await pullOnce(ctx, opts);
    } catch (err) {
      if (ctx.signal?.aborted) throw ctx.signal.reason ?? err;
      if (attempt >= retries || !isTransient(err)) throw err;
      await sleep(backoffDelay(attempt + 1, { baseMs: 250, maxMs: 8000 }, Math.random()));
    }
  }
}

async function pullOnce(ctx: SmartPullContext, opts: SmartPullOptions): Promise<SmartPullResult> {
  const { repo, remote } = ctx;
  const stallTimeoutMs = opts.stallTimeoutMs ?? 30_000;
  const http = new SmartHttp({ baseUrl: remote.url, ...(ctx.agent ? { agent: ctx.agent } : {}), stallTimeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const progress: SmartPullProgress = { phase: 'refs', objectsDone: 0, objectsTotal: 0, bytesDone: 0, bytesTotal: 0 };
  let lastReport = 0;
  /** Every phase change; within 'objects' at most every PROGRESS_INTERVAL_MS, and the last object. */
  const report = (phase: SmartPullProgress['phase']): void => {
    if (!ctx.onProgress) return;
    const now = Date.now();
    if (phase === progress.phase && phase === 'objects' && progress.objectsDone < progress.objectsTotal && now - lastReport < PROGRESS_INTERVAL_MS) return;
    lastReport = now;
    progress.phase = phase;
    ctx.onProgress({ ...progress });
  };
  report('refs');

  // Mirroring every ref: the summary's refs, and the summary copied at the end.
  const mirrorAll = opts.mirror === true && (opts.refs === undefined || opts.refs.length === 0);
  // A remote that verifies its summary: the refs come from the verified summary, never from the
  // server's own listing, so a hostile smart server cannot bypass the summary's signature.
  const summaryCheck = summaryVerifier(opts.trust, remote.name, new URL('summary', remote.url.endsWith('/') ? remote.url : `${remote.url}/`).href);
  const fromSummary = mirrorAll || summaryCheck.verify !== undefined;
  const listing = fromSummary
    ? await listRemoteSummary(remote.url, stallTimeoutMs, { ...(opts.refs ? { refs: opts.refs } : {}), ...(summaryCheck.verify ? { verifySummary: summaryCheck.verify } : {}) })
    : null;
  const targets = listing ? listing.targets : selectRefs(parseRefsResponse((await http.get('refs'))!.body.toString('utf8')), opts.refs);
  const updates: RefUpdate[] = [];
  const pulled: PulledRef[] = [];
  for (const [name, commit] of targets) {
    const ref: RefName = opts.mirror ? { remote: null, name } : { remote: remote.name, name };
    const old = await readRef(repo, ref);
    updates.push({ ref, expected: old, value: commit, reason: 'pull' });
    pulled.push({ remoteRef: name, localRef: opts.mirror ? name : `${remote.name}:${name}`, old, new: commit });
  }
  const gate = new CommitGate({
    repo, remote: remote.name, keys: opts.trust?.verification?.commits ?? null,
    targets: gatedTargets(pulled.map((p) => ({ ref: p.remoteRef, localRef: p.localRef, old: p.old, commit: p.new }))),
    allowDowngrade: opts.trust?.allowDowngrade ?? false,
  });
  await gate.checkLocalTargets(); // before anything is fetched

  // Under the transaction's shared lock from here: a commit found complete must still be there
  // when the ref moves to it (prune, which takes the lock exclusively, cannot run in between).
  const tx = await Transaction.begin(repo);
  let committed = false;
  const marked: Checksum[] = [];
  let plan: PlannedObject[] = [];
  let fetched = { objects: 0, bytes: 0 };
  try {
    const wants: Checksum[] = [];
    for (const commit of new Set(targets.values())) if (!(await isComplete(repo, commit, opts))) wants.push(commit);
    if (wants.length > 0) {
      report('plan');
      const body = writeFetchPlanRequest({ want: wants, have: await localHaves(repo), depth: opts.depth ?? 0, commitMetadataOnly: opts.commitMetadataOnly ?? false });
      plan = parseFetchPlanResponse(await http.post('fetch/plan', body, MSGPACK_CONTENT_TYPE)).objects;
      const plannedCommits = new Set(plan.filter((o) => o.type === 'commit').map((o) => o.checksum));
      for (const w of wants) {
        if (!plannedCommits.has(w)) throw new ProtocolError('BAD_RESPONSE', `the server's plan leaves out the wanted commit ${w}`, { checksum: w });
      }
      // The commits this pull completes: marked partial before anything of theirs is written.
      for (const o of plan) {
        if (o.type === 'commit' && !(await isComplete(repo, o.checksum, opts))) {
          await markCommitPartial(repo, o.checksum);
          marked.push(o.checksum);
        }
      }
      // Each commit's detached metadata is asked for before the commit, so the commit is verified before it is written.
      // Files and dirmetas a killed pull staged were adopted by this transaction (verified): not
      // asked again. Commits and dirtrees still are: the gate and the connectivity check read them.
      const staged = (o: PlannedObject): boolean => (o.type === 'file' || o.type === 'dirmeta') && tx.hasSync(o.checksum, o.type);
      const missing = metaFirst(plan.filter((o) => !repo.hasObjectSync(o.checksum, o.type) && !staged(o)));
      const metas = new Map<Checksum, Buffer>();
      progress.objectsTotal = missing.length;
      for (const o of missing) progress.bytesTotal += o.size;
      report('objects');
      const received = new Map<string, Buffer>();
      for (let at = 0; at < missing.length; at += MAX_PACK_REQUEST_OBJECTS) {
        const batch = missing.slice(at, at + MAX_PACK_REQUEST_OBJECTS);
        const stream = await http.postStream('fetch/pack', writePackRequest(batch.map(({ type, checksum }): ObjectRef => ({ type, checksum }))), MSGPACK_CONTENT_TYPE);
        await receivePack(tx, stream, batch, {
          keep: { types: KEPT, fn: (o, bytes) => received.set(keyOf(o.type, o.checksum), bytes) },
          gate: {
            types: GATED,
            fn: async (o, bytes) => {
              if (o.type === 'commitmeta') {
                metas.set(o.checksum, Buffer.from(bytes));
                return;
              }
              verifyReceivedCommit(o.checksum, bytes);
              await gate.checkFetched(o.checksum, bytes, metas.get(o.checksum) ?? null);
            },
          },
          onObject: (_o, bytes) => {
            progress.objectsDone++;
            progress.bytesDone += bytes;
            report('objects');
          },
        });
      }
      fetched = { objects: progress.objectsDone, bytes: progress.bytesDone };
      checkPlanConnected({ tx, plan, received, commitMetadataOnly: opts.commitMetadataOnly ?? false });
    }
    report('refs-update');
    committed = true;
    await tx.commit({ refs: updates });
  } catch (err) {
    if (!committed && isTrustRefusal(err)) {
      await discardRefusedPull(repo, tx, marked);
    } else if (!committed) {
      // Keep what was verified (a retry will not fetch it again); no ref moves.
      await tx.commit().catch(() => tx.abort());
    }
    throw err;
  }
  if (!opts.commitMetadataOnly) for (const c of marked) await clearCommitPartial(repo, c);
  if (listing && mirrorAll && !opts.deferMirrorSummary) await writeMirroredSummary(repo, listing);
  report('done');
  let bytes = 0;
  for (const o of plan) bytes += o.size;
  return {
    protocol: 'smart', remote: remote.name, refs: pulled, planned: { objects: plan.length, bytes }, fetched,
    verified: gate.result(summaryCheck.verified(), summaryCheck.keys),
    ...(listing?.summary && mirrorAll && opts.deferMirrorSummary ? { mirrorSummary: { summary: listing.summary, summarySig: listing.summarySig } } : {}),
  };
}

/** Progress lines while objects stream: a few per second is what a bar or a log can use. */
const PROGRESS_INTERVAL_MS = 100;

const KEPT: ReadonlySet<ObjectType> = new Set<ObjectType>(['commit', 'dirtree']);
const GATED: ReadonlySet<ObjectType> = new Set<ObjectType>(['commit', 'commitmeta']);

/** The objects in plan order, except that a commit's commitmeta comes right before the commit. */
function metaFirst(objects: PlannedObject[]): PlannedObject[] {
  const metas = new Map<Checksum, PlannedObject>();
  for (const o of objects) if (o.type === 'commitmeta') metas.set(o.checksum, o);
  const out: PlannedObject[] = [];
  for (const o of objects) {
    if (o.type === 'commitmeta') {
      if (!metas.has(o.checksum)) continue; // placed before its commit already
      out.push(o);
      metas.delete(o.checksum);
      continue;
    }
    if (o.type === 'commit') {
      const m = metas.get(o.checksum);
      if (m) {
        out.push(m);
        metas.delete(o.checksum);
      }
    }
    out.push(o);
  }
  return out;
}

/** A commit's bytes checked against its checksum before its signature is (the store checks again when writing). */
function verifyReceivedCommit(checksum: Checksum, bytes: Buffer): void {
  try {
    verifyMetadataObject(checksum, 'commit', bytes);
  } catch (err) {
    if (err instanceof StoreError) {
      throw new ProtocolError('BAD_OBJECT', `the server sent a bad commit object ${checksum}: ${err.message}`, { checksum, type: 'commit', reason: err.code }, { cause: err });
    }
    throw err;
  }
}

/** A commit whose objects are all here: present and not marked partial (metadata-only pulls: present). */
async function isComplete(repo: Repo, commit: Checksum, opts: SmartPullOptions): Promise<boolean> {
  if (!repo.hasObjectSync(commit, 'commit')) return false;
  return opts.commitMetadataOnly === true || !(await isCommitPartial(repo, commit));
}

/** The refs asked for (REMOTE_REF_NOT_FOUND for one the remote lacks), or all of them. */
function selectRefs(remoteRefs: ReadonlyMap<string, Checksum>, asked: readonly string[] | undefined): Map<string, Checksum> {
  if (!asked || asked.length === 0) return new Map(remoteRefs);
  const out = new Map<string, Checksum>();
  for (const name of asked) {
    const commit = remoteRefs.get(name);
    if (commit === undefined) throw new ProtocolError('REMOTE_REF_NOT_FOUND', `the remote has no ref ${name}`, { ref: name });
    out.set(name, commit);
  }
  return out;
}
