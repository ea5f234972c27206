import { openSync, readSync, writeSync, closeSync } from 'node:fs';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';

const deflateRaw = promisify<zlib.InputType, zlib.ZlibOptions, Buffer>(zlib.deflateRaw);

/** Size of the pieces a large file is compressed in, in parallel. */
export const DEFLATE_CHUNK = 1024 * 1024;
const WINDOW = 32 * 1024;

/**
 * Raw-deflates the file at `src` onto `fdOut` (from its current position), compressing chunks
 * in parallel on libuv's pool as pigz does: each chunk is primed with the 32 KiB before it and
 * ends with a sync flush, the last with Z_FINISH, so the pieces join into one valid deflate
 * stream that any inflater (ostree's included) reads. The output differs from one-shot zlib
 * bytes; object checksums cover the uncompressed content, so they do not change.
 * The file is read once, and each chunk is hashed (after `hashPrefix`) from the same buffer
 * that is compressed, so the returned checksum and size describe exactly the bytes written,
 * whatever another process does to the file meanwhile.
 */
export async function deflateFileParallel(
  src: string, fdOut: number, opts: { level: number; hashPrefix: Uint8Array; parallel?: number },
): Promise<{ size: number; checksum: string }> {
  const parallel = opts.parallel ?? 4;
  const hash = createHash('sha256').update(opts.hashPrefix);
  const fdIn = openSync(src, 'r');
  const pending: Array<Promise<Buffer>> = [];
  let total = 0;
  let prevTail: Buffer | null = null;
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(DEFLATE_CHUNK);
      const n = readFull(fdIn, buf);
      const chunk = buf.subarray(0, n);
      hash.update(chunk);
      total += n;
      // A short read means end of file; a file of whole chunks ends with an empty final chunk.
      const last = n < DEFLATE_CHUNK;
      const options: zlib.ZlibOptions = {
        level: opts.level,
        chunkSize: DEFLATE_CHUNK + (DEFLATE_CHUNK >> 8) + 1024,
        finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
        ...(prevTail ? { dictionary: prevTail } : {}),
      };
      pending.push(deflateRaw(chunk, options));
      prevTail = n >= WINDOW ? Buffer.from(chunk.subarray(n - WINDOW)) : Buffer.concat([prevTail ?? Buffer.alloc(0), chunk]).subarray(-WINDOW);
      while (pending.length >= parallel || (last && pending.length > 0)) writeAll(fdOut, await pending.shift()!);
      if (last) return { size: total, checksum: hash.digest('hex') };
    }
  } finally {
    // Let compressions already started finish before the caller cleans up.
    await Promise.allSettled(pending);
    closeSync(fdIn);
  }
}

function readFull(fd: number, buf: Buffer): number {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, null);
    if (n === 0) break;
    off += n;
  }
  return off;
}

export function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}
