/**
 * The code that runs inside each object worker thread (see object-workers.ts for the pool).
 * Each operation is a plain function over the store's own codecs; every failure leaves the
 * thread as a StoreError's {code, message, data} and is re-created as a StoreError on the main
 * side, so callers see the same typed errors as from the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { StoreError, type StoreErrorCode } from '../errors.js';
import { inflateArchiveBody } from '../objects/archive-body.js';
import { copyHashingSync } from './hashing-copy.js';
import { fsError } from './fs-error.js';
import { createExclusiveSync } from './create-exclusive.js';
import { type ReceiveJob, receiveFilez } from './receive-filez.js';
import type { FileInfo } from '../objects/file-header.js';
import { type SmallReceiveJob, type SmallReceiveResult, receiveSmallBatch } from '../repo/receive-small.js';

/** Commit into an archive repo: compress a small file's bytes into a new `.filez`. */
export interface FilezJob { path: string; head: Uint8Array; bytes: Uint8Array; level: number }

/** fsck: the checksum of a content object, recomputed from its header and its (inflated) bytes. */
export interface HashJob {
  checksum: string;
  /** the object file */
  source: string;
  /** where the content starts in it (archive: after the header) */
  bodyOffset: number;
  /** raw-deflated content (archive objects) */
  inflate: boolean;
  size: number;
  /** the framed content header the checksum starts with */
  head: Uint8Array;
}

/** Commit of a large file into a bare repo: copy it once into a new file, hashing what is written. */
export interface CopyJob { source: string; dest: string; head: Uint8Array; mode: number }
export interface CopyResult { checksum: string; size: number }

/** Each operation: what it is sent, what it answers. */
export interface WorkerOps {
  filez: [FilezJob, number];
  hash: [HashJob, string];
  copy: [CopyJob, CopyResult];
  /** a received `.filez`: verified while written into a new file (see receive-filez.ts) */
  receive: [ReceiveJob, FileInfo];
  /** small received `.filez` objects, verified then staged one by one (see repo/receive-small.ts) */
  receiveSmall: [SmallReceiveJob, SmallReceiveResult[]];
}
export type WorkerOp = keyof WorkerOps;

export type WorkerRequest = { [K in WorkerOp]: { id: number; op: K; job: WorkerOps[K][0] } }[WorkerOp];
export interface WireError { code: StoreErrorCode; message: string; data: Record<string, unknown> }
export type WorkerReply = { id: number; result: unknown; error?: undefined } | { id: number; error: WireError };

const ops: { [K in WorkerOp]: (job: WorkerOps[K][0]) => WorkerOps[K][1] | Promise<WorkerOps[K][1]> } = {
  filez(job) {
    const out = Buffer.concat([job.head, zlib.deflateRawSync(job.bytes, { level: job.level })]);
    return createExclusiveSync(job.path, out, 0o644) ? out.length : -1;
  },
  hash(job) {
    let body: Uint8Array = readObject(job.source, job.checksum).subarray(job.bodyOffset);
    if (job.inflate) body = inflateArchiveBody(body, job.size, job.checksum);
    else if (body.length !== job.size) {
      throw new StoreError('OBJECT_CORRUPT', `file object ${job.checksum}: content is ${body.length} bytes, header says ${job.size}`, { checksum: job.checksum });
    }
    return createHash('sha256').update(job.head).update(body).digest('hex');
  },
  copy(job) {
    try {
      return copyHashingSync(job.source, job.dest, job.head, job.mode);
    } catch (err) {
      // The file being committed is input: a failure to open it is the tree's, not the repo's.
      if ((err as NodeJS.ErrnoException).path === job.source) {
        throw fsError(err, { action: 'cannot read', path: job.source, code: 'COMMIT_INPUT', deniedCode: 'COMMIT_INPUT' });
      }
      throw fsError(err, { action: 'cannot copy into', path: job.dest });
    }
  },
  receive: receiveFilez,
  receiveSmall: receiveSmallBatch,
};

function readObject(path: string, checksum: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StoreError('OBJECT_MISSING', `file object ${checksum} is not in the repository`, { checksum, type: 'file' });
    }
    throw fsError(err, { action: 'cannot read', path });
  }
}

function toWire(err: unknown): WireError {
  if (err instanceof StoreError) return { code: err.code, message: err.message, data: err.data };
  // Not a file-system error (fsError names those): a bug, reported as such, still typed.
  return { code: 'IO', message: `object worker failed: ${(err as Error | null)?.message ?? String(err)}`, data: {} };
}

parentPort?.on('message', async (m: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    // Most operations are synchronous; streaming ones (receive) resolve later.
    reply = { id: m.id, result: await (ops[m.op] as (job: unknown) => unknown)(m.job) };
  } catch (err) {
    reply = { id: m.id, error: toWire(err) };
  }
  parentPort!.postMessage(reply);
});
