import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import {
  checksumToBytes, openObjectForTransfer, readObjectForTransfer, revParse, transferSizeOf, updateRef, validateRefName,
  type Checksum, type ObjectType, type Repo, type StoreError,
} from '@osgit/store';
import { ProtocolError } from '../errors.js';
import {
  encodeLargeObjectEnd, encodeLargeObjectStart, encodeObjectRecords, encodePackEnd, encodePackHeader, encodeRefsRecord,
  chunkRecords,
} from '../pack/encode-pack.js';
import { LARGE_OBJECT_THRESHOLD, MAX_CHUNK_BYTES, PACK_CONTENT_TYPE } from '../pack/records.js';
import { parseRefsResponse } from '../smart/refs.js';
import { probeSmart } from '../pull/smart-probe.js';
import { MSGPACK_CONTENT_TYPE } from '../smart/msgpack.js';
import type { ObjectRef } from '../smart/fetch-pack.js';
import { errorFromAnswer, httpRequest } from './push-http.js';
import { listPushObjects } from './push-objects.js';
import {
  MISSING_BATCH, parseMissingResponse, parsePushReply, writeMissingRequest, type PushReply, type RefOutcome,
} from './push-wire.js';

export interface PushRefSpec {
  /** local revision to push (a ref, a checksum…) */
  local: string;
  /** the ref to set on the server */
  remote: string;
}

export interface PushProgress {
  phase: 'negotiating' | 'sending' | 'done';
  objects: number;
  totalObjects: number;
  bytes: number;
  totalBytes: number;
}

export interface PushContext {
  repo: Repo;
  dispatcher?: Dispatcher;
  onProgress?: (p: PushProgress) => void;
}

export interface PushOptions {
  /** remote name: the remote-tracking refs refs/remotes/NAME/REF are updated after success */
  remote: string;
  /** the remote's base URL */
  url: string;
  /** bearer token (OSGIT_TOKEN or the remote's osgit-token) */
  token?: string;
  refspecs: readonly PushRefSpec[];
  /** ask for non-fast-forward updates (the token must allow force) */
  force?: boolean;
}

export interface PushResult {
  remote: string;
  url: string;
  refs: RefOutcome[];
  /** objects sent in the pack, and their archive bytes */
  objectsSent: number;
  bytesSent: number;
  /** objects the server reported it stored (new to it) */
  objectsStored: number;
  /** true when every ref was already where it is pushed: no pack was sent */
  upToDate: boolean;
  /** false when the refs moved but the server could not regenerate its summary (ostree clients see the old refs until it does) */
  summaryUpdated: boolean;
}

/**
 * Pushes local commits to refs of a smart server (DESIGN §5): reads the server's refs, lists
 * what the new commits reach minus what the server's current tips (those present here) reach
 * (commits over every parent, as `git rev-list NEW ^OLD`; see push-objects.ts),
 * asks the server which of those it still lacks (batched), sends one pack of exactly those
 * (commits last, so a push cut short leaves the server only whole objects worth keeping), and
 * the ref updates with the values read as their expected old values. Moves the remote-tracking
 * refs after the server accepted. Nothing is sent when every ref is already there.
 */
export async function push(ctx: PushContext, opts: PushOptions): Promise<PushResult> {
  const base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  const endpoint = (path: string) => new URL(`osgit/v1/${path}`, base);
  const auth: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  if (opts.refspecs.length === 0) throw new ProtocolError('REMOTE_INVALID', 'nothing to push: name at least one [LOCAL:]REMOTE_REF');
  const progress: PushProgress = { phase: 'negotiating', objects: 0, totalObjects: 0, bytes: 0, totalBytes: 0 };
  const report = () => ctx.onProgress?.({ ...progress });

  for (const spec of opts.refspecs) validateRefName(spec.remote);
  // One probe: does this server take pushes at all, and within which limits.
  const caps = await probeSmart({ url: base.href }, 'push');
  if (!caps) {
    throw new ProtocolError('SMART_UNAVAILABLE', `${base.href} does not take pushes (push needs osgit serve's smart protocol)`, { url: base.href });
  }
  const updates: Array<{ ref: string; old: Checksum | null; new: Checksum }> = [];
  const remoteRefs = await readRemoteRefs(endpoint('refs'), ctx.dispatcher);
  for (const spec of opts.refspecs) {
    const commit = await revParse(ctx.repo, spec.local);
    updates.push({ ref: spec.remote, old: remoteRefs.get(spec.remote) ?? null, new: commit });
  }
  if (updates.every((u) => u.old === u.new) && !opts.force) {
    await trackRemoteRefs(ctx.repo, opts.remote, updates);
    progress.phase = 'done';
    report();
    return {
      remote: opts.remote, url: base.href, objectsSent: 0, bytesSent: 0, objectsStored: 0, upToDate: true, summaryUpdated: true,
      refs: updates.map((u) => ({ ...u, status: 'unchanged' as const })),
    };
  }

  // What the new commits reach that the server's tips (those we have) do not.
  const haves = [...new Set(remoteRefs.values())].filter((c) => ctx.repo.hasObjectSync(c, 'commit'));
  const wants = [...new Set(updates.filter((u) => u.old !== u.new).map((u) => u.new))];
  const candidates = await listPushObjects(ctx.repo, wants, haves);
  progress.totalObjects = candidates.length;
  report();

  // Which of those the server still lacks (it may have them from an interrupted push).
  const missing: ObjectRef[] = [];
  for (let at = 0; at < candidates.length; at += MISSING_BATCH) {
    const batch = candidates.slice(at, at + MISSING_BATCH);
    const answer = await httpRequest(endpoint('push/missing'), {
      method: 'POST', headers: { ...auth, 'content-type': MSGPACK_CONTENT_TYPE }, body: writeMissingRequest(batch), ...(ctx.dispatcher ? { dispatcher: ctx.dispatcher } : {}),
    });
    if (answer.status !== 200) throw errorFromAnswer(endpoint('push/missing'), answer, 'push');
    missing.push(...parseMissingResponse(answer.body, batch));
  }
  // Commits (and their commitmeta) last: a cut push then leaves no commit whose tree did not arrive.
  const isCommit = (t: ObjectType) => t === 'commit' || t === 'commitmeta' || t === 'tombstone-commit';
  const ordered = [...missing.filter((o) => !isCommit(o.type)), ...missing.filter((o) => isCommit(o.type))];
  const sizes: number[] = new Array<number>(ordered.length);
  let at = 0;
  const sizeWorker = async (): Promise<void> => {
    for (let i = at++; i < ordered.length; i = at++) sizes[i] = await transferSizeOf(ctx.repo, ordered[i]!.checksum, ordered[i]!.type);
  };
  await Promise.all(Array.from({ length: 16 }, sizeWorker));
  checkLimits(caps.limits ?? {}, ordered, sizes);
  progress.phase = 'sending';
  progress.totalObjects = ordered.length;
  progress.totalBytes = sizes.reduce((a, b) => a + b, 0);
  report();

  const body = Readable.from(packStream(ctx.repo, ordered, sizes, progress.totalBytes, updates, progress, report));
  const url = endpoint(opts.force ? 'push?force=1' : 'push');
  const answer = await httpRequest(url, {
    method: 'POST', headers: { ...auth, 'content-type': PACK_CONTENT_TYPE }, body, ...(ctx.dispatcher ? { dispatcher: ctx.dispatcher } : {}),
  });
  const reply = parsePushReply(answer.body.toString('utf8'));
  if (answer.status !== 200 || !reply || reply.error) throw withReply(errorFromAnswer(url, answer, 'push'), reply);
  await trackRemoteRefs(ctx.repo, opts.remote, updates);
  progress.phase = 'done';
  report();
  return {
    remote: opts.remote, url: base.href, refs: reply.refs, objectsSent: ordered.length, bytesSent: progress.bytes,
    objectsStored: reply.stored.length, upToDate: false, summaryUpdated: reply.summaryUpdated,
  };
}

/**
 * Refuses up front (TOO_LARGE) a push the server announced it would refuse: an object over its
 * object limit, or a pack over its body limit. The server enforces both anyway; but it can only
 * answer while the client is still sending, and that answer is often lost to the reset of a
 * connection it stops reading, so the client would see a network error instead of the reason.
 */
function checkLimits(limits: Record<string, number>, objects: readonly ObjectRef[], sizes: readonly number[]): void {
  const maxObject = limits.maxObjectBytes;
  if (typeof maxObject === 'number') {
    const i = sizes.findIndex((n) => n > maxObject);
    if (i >= 0) {
      throw new ProtocolError('TOO_LARGE', `${objects[i]!.type} ${objects[i]!.checksum} (${sizes[i]} bytes) is over the server's object limit of ${maxObject} bytes`, { limit: maxObject });
    }
  }
  const maxBody = limits.maxBodyBytes;
  // Each record adds its length prefix, keys and checksum: ~64 bytes, more for chunked objects.
  const estimate = sizes.reduce((a, b) => a + b + 64 + Math.ceil(b / MAX_CHUNK_BYTES) * 16, 0) + 1024;
  if (typeof maxBody === 'number' && estimate > maxBody) {
    throw new ProtocolError('TOO_LARGE', `this push needs about ${estimate} bytes, over the server's request limit of ${maxBody} bytes; push fewer commits at a time`, { limit: maxBody });
  }
}

async function readRemoteRefs(url: URL, dispatcher: Dispatcher | undefined): Promise<Map<string, Checksum>> {
  const answer = await httpRequest(url, { method: 'GET', ...(dispatcher ? { dispatcher } : {}) });
  if (answer.status === 404) {
    throw new ProtocolError('SMART_UNAVAILABLE', `${url.href}: the server does not speak osgit's smart protocol (push needs osgit serve)`, { url: url.href });
  }
  if (answer.status !== 200) throw errorFromAnswer(url, answer, 'reading the remote refs');
  return parseRefsResponse(answer.body.toString('utf8'));
}

/** Objects read ahead of the one being sent. */
const READ_AHEAD = 16;

/** The pack: header, objects in order (large ones streamed in chunks from the repository), refs, end. */
async function* packStream(
  repo: Repo, objects: readonly ObjectRef[], sizes: readonly number[], totalBytes: number, updates: ReadonlyArray<{ ref: string; old: Checksum | null; new: Checksum }>,
  progress: PushProgress, report: () => void,
): AsyncGenerator<Buffer> {
  yield encodePackHeader({ objects: objects.length, bytes: totalBytes });
  // Metadata and small files are read whole, READ_AHEAD at once (a bare repo's files are
  // compressed on the way, in zlib's threads); large files are streamed in chunks, one at a time.
  const small = (i: number) => objects[i]!.type !== 'file' || sizes[i]! <= LARGE_OBJECT_THRESHOLD / 2;
  const ahead = new Map<number, Promise<Buffer>>();
  let next = 0;
  const fill = (upTo: number) => {
    for (; next < Math.min(upTo, objects.length); next++) {
      if (!small(next)) continue;
      const p = readObjectForTransfer(repo, objects[next]!.checksum, objects[next]!.type);
      p.catch(() => undefined); // awaited in order below; this only keeps an early failure from going unhandled
      ahead.set(next, p);
    }
  };
  for (const [i, o] of objects.entries()) {
    fill(i + READ_AHEAD);
    const checksum = checksumToBytes(o.checksum);
    if (small(i)) {
      const bytes = await ahead.get(i)!;
      ahead.delete(i);
      for (const r of encodeObjectRecords(o.type, checksum, bytes)) yield r;
      progress.bytes += bytes.length;
    } else {
      const { size, stream } = await openObjectForTransfer(repo, o.checksum, o.type);
      yield encodeLargeObjectStart(o.type, checksum, size);
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      for await (const chunk of stream) {
        pending.push(chunk as Buffer);
        pendingBytes += (chunk as Buffer).length;
        if (pendingBytes >= MAX_CHUNK_BYTES) {
          const all = Buffer.concat(pending);
          const whole = all.length - (all.length % MAX_CHUNK_BYTES);
          for (const r of chunkRecords(all.subarray(0, whole))) yield r;
          pending = [all.subarray(whole)];
          pendingBytes = all.length - whole;
          progress.bytes += whole;
          report();
        }
      }
      for (const r of chunkRecords(Buffer.concat(pending))) yield r;
      progress.bytes += pendingBytes;
      yield encodeLargeObjectEnd();
    }
    progress.objects++;
    report();
  }
  yield encodeRefsRecord(updates.map((u) => ({ ref: u.ref, old: u.old ? checksumToBytes(u.old) : null, new: checksumToBytes(u.new) })));
  yield encodePackEnd(objects.length);
}

/** refs/remotes/REMOTE/REF := what the server now holds. */
async function trackRemoteRefs(repo: Repo, remote: string, updates: ReadonlyArray<{ ref: string; new: Checksum }>): Promise<void> {
  for (const u of updates) await updateRef(repo, { ref: { remote, name: u.ref }, expected: undefined, value: u.new, reason: 'push' });
}

/** Keeps the server's account (what it stored, each ref's outcome) on the error. */
function withReply<E extends ProtocolError | StoreError>(err: E, reply: PushReply | null): E {
  if (reply) Object.assign(err.data, { stored: reply.stored.length, kept: reply.kept, refs: reply.refs });
  return err;
}
