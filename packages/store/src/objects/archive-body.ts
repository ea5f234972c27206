import zlib from 'node:zlib';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';

/**
 * Inflates the raw-deflate body of a `.filez` (§2.5) that its header says holds `size` bytes.
 * Damaged deflate data, or a body that inflates to any other length, is OBJECT_CORRUPT; a body
 * that would inflate past `size` stops at size + 1 bytes, so a lying header cannot make a small
 * object inflate without bound. Pure: bytes in, bytes out (used on the main thread and in the
 * object workers alike).
 */
export function inflateArchiveBody(body: Uint8Array, size: number, checksum: Checksum): Buffer {
  let out: Buffer;
  try {
    out = zlib.inflateRawSync(body, {
      chunkSize: Math.max(16 * 1024, Math.min(size + 64, 64 * 1024 * 1024)),
      maxOutputLength: size + 1,
    });
  } catch (cause) {
    throw new StoreError('OBJECT_CORRUPT', `file object ${checksum}: compressed content is damaged (${(cause as Error).message})`, { checksum }, { cause });
  }
  if (out.length !== size) {
    throw new StoreError('OBJECT_CORRUPT', `file object ${checksum}: content is ${out.length} bytes, header says ${size}`, { checksum });
  }
  return out;
}
