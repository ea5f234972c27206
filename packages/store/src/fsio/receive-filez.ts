import { createReadStream, openSync, readSync, closeSync, fstatSync, fchmodSync, futimesSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { StoreError } from '../errors.js';
import type { FileInfo } from '../objects/file-header.js';
import { isSymlinkMode } from '../objects/file-header.js';
import { MAX_FILEZ_HEADER, checksumMismatch, contentHashPrefix, corruptFile, parseFilezHeader } from '../objects/filez.js';
import { writeAll } from './parallel-deflate.js';
import { fsError } from './fs-error.js';

/**
 * A received `.filez` to verify while writing it into a new file `dest` (O_EXCL, mode `mode`,
 * mtime 0): the `.filez` bytes verbatim (`output: 'filez'`, archive repos) or the inflated
 * content (`output: 'content'`, bare modes; symlinks are left to the caller, nothing is written).
 */
export interface ReceiveJob {
  checksum: string;
  source: { bytes: Uint8Array } | { path: string };
  dest: string;
  output: 'filez' | 'content';
  mode: number;
}

const CHUNK = 1024 * 1024;
const UMASK = process.umask();

/**
 * Streams a `.filez` through inflate and SHA-256, writing `dest` as it goes, so neither a large
 * object nor a lying header (deflate bombs stop one byte past the announced size) costs more
 * memory than a few chunks. Resolves with the file's metadata once SHA-256(content header +
 * content) == checksum; otherwise `dest` is removed and it rejects with OBJECT_CORRUPT (data:
 * checksum, type). Runs in an object worker (see object-worker.ts).
 */
export async function receiveFilez(job: ReceiveJob): Promise<FileInfo> {
  const { checksum } = job;
  const src = 'bytes' in job.source ? null : openSource(job.source.path);
  try {
    const bytes = 'bytes' in job.source ? job.source.bytes : null;
    const total = bytes ? bytes.length : fstatSync(src!).size;
    const { info, bodyOffset } = parseFilezHeader(checksum, bytes ?? readPrefix(src!));
    const head = contentHashPrefix(info);
    if (isSymlinkMode(info.mode)) {
      if (total !== bodyOffset) throw corruptFile(checksum, `symlink with ${total - bodyOffset} bytes of body`);
      const actual = createHash('sha256').update(head).digest('hex');
      if (actual !== checksum) throw checksumMismatch(checksum, actual);
      if (job.output === 'filez') await writeNew(job, (fd) => copyAll(bytes, src, total, fd));
      return info;
    }
    await writeNew(job, async (fd) => {
      const hash = createHash('sha256').update(head);
      let seen = 0;
      const body = async function* (): AsyncGenerator<Uint8Array> {
        if (job.output === 'filez') writeAll(fd, bytes ? bytes.subarray(0, bodyOffset) : readAt(src!, 0, bodyOffset));
        const chunks = bytes ? chunksOf(bytes.subarray(bodyOffset)) : createReadStream('', { fd: src!, start: bodyOffset, autoClose: false, highWaterMark: CHUNK });
        for await (const chunk of chunks) {
          if (job.output === 'filez') writeAll(fd, chunk as Uint8Array);
          yield chunk as Uint8Array;
        }
      };
      try {
        await pipeline(body, zlib.createInflateRaw(), async (inflated: AsyncIterable<Buffer>) => {
          for await (const chunk of inflated) {
            seen += chunk.length;
            if (seen > info.size) throw corruptFile(checksum, `content is longer than the ${info.size} bytes its header says`);
            hash.update(chunk);
            if (job.output === 'content') writeAll(fd, chunk);
          }
        });
      } catch (err) {
        if (err instanceof StoreError) throw err;
        // A failed read or write (ENOSPC...) is the disk's fault; anything else is zlib's verdict on the body.
        if ((err as NodeJS.ErrnoException).syscall) throw fsError(err, { action: 'cannot receive into', path: job.dest });
        throw corruptFile(checksum, `compressed content is damaged (${(err as Error).message})`, err);
      }
      if (seen !== info.size) throw corruptFile(checksum, `content is ${seen} bytes, header says ${info.size}`);
      const actual = hash.digest('hex');
      if (actual !== checksum) throw checksumMismatch(checksum, actual);
    });
    return info;
  } finally {
    if (src !== null) closeSync(src);
  }
}

function openSource(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    throw fsError(err, { action: 'cannot read', path });
  }
}

/** Creates `dest`, lets `fill` write it, and removes it again if `fill` fails. */
async function writeNew(job: ReceiveJob, fill: (fd: number) => Promise<void> | void): Promise<void> {
  let fd: number;
  try {
    fd = openSync(job.dest, 'wx', job.mode);
  } catch (err) {
    throw fsError(err, { action: 'cannot write', path: job.dest });
  }
  let ok = false;
  try {
    await fill(fd);
    if ((job.mode & UMASK) !== 0) fchmodSync(fd, job.mode);
    futimesSync(fd, 0, 0);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) rmSync(job.dest, { force: true });
  }
}

function copyAll(bytes: Uint8Array | null, src: number | null, total: number, fd: number): void {
  if (bytes) return writeAll(fd, bytes);
  for (let pos = 0; pos < total; pos += CHUNK) writeAll(fd, readAt(src!, pos, Math.min(CHUNK, total - pos)));
}

function* chunksOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let pos = 0; pos < bytes.length; pos += CHUNK) yield bytes.subarray(pos, pos + CHUNK);
}

/** The object's first bytes: enough for its framed header, whatever its length (up to the limit). */
function readPrefix(fd: number): Uint8Array {
  const first = readAt(fd, 0, 8);
  if (first.length < 8) return first;
  return readAt(fd, 0, 8 + Math.min(first.readUInt32BE(0), MAX_FILEZ_HEADER + 1));
}

function readAt(fd: number, pos: number, n: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  let off = 0;
  while (off < n) {
    const r = readSync(fd, buf, off, n - off, pos + off);
    if (r === 0) break;
    off += r;
  }
  return buf.subarray(0, off);
}
