import { openSync, readSync, closeSync, fchmodSync, futimesSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { writeAll } from './parallel-deflate.js';

const CHUNK = 1024 * 1024;
const UMASK = process.umask();

/**
 * Copies `source` into a new file `dest` (O_EXCL, exactly `mode`, mtime 0), reading the source
 * once and hashing exactly the bytes it writes, after `head`. Whatever another process does to
 * the source meanwhile, the returned checksum is the checksum of `head` + the copy's bytes, and
 * `size` is the copy's length. The caller compares both with what it expected.
 */
export function copyHashingSync(source: string, dest: string, head: Uint8Array, mode: number): { checksum: string; size: number } {
  const h = createHash('sha256').update(head);
  const fdIn = openSync(source, 'r');
  try {
    const fdOut = openSync(dest, 'wx', mode);
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      let size = 0;
      for (;;) {
        const n = readSync(fdIn, buf, 0, CHUNK, null);
        if (n === 0) break;
        const chunk = buf.subarray(0, n);
        h.update(chunk);
        writeAll(fdOut, chunk);
        size += n;
      }
      if ((mode & UMASK) !== 0) fchmodSync(fdOut, mode);
      futimesSync(fdOut, 0, 0);
      return { checksum: h.digest('hex'), size };
    } finally {
      closeSync(fdOut);
    }
  } finally {
    closeSync(fdIn);
  }
}
