import zlib from 'node:zlib';
import { StoreError } from '../errors.js';
import { type Checksum, sha256Hex } from '../checksum.js';
import { type FileInfo, decodeArchiveHeader, encodeFileHeader, framedHeader, isSymlinkMode, splitFramedHeader } from './file-header.js';

/** Largest `.filez` header accepted (a header is mostly xattrs). */
export const MAX_FILEZ_HEADER = 1024 * 1024;

/** The refusal of a received file object: OBJECT_CORRUPT with its checksum and type. */
export function corruptFile(checksum: Checksum, message: string, cause?: unknown): StoreError {
  if (cause instanceof StoreError && cause.code === 'OBJECT_CORRUPT' && cause.data.checksum === checksum && cause.data.type === 'file') return cause;
  return new StoreError('OBJECT_CORRUPT', `file object ${checksum}: ${message}`, { checksum, type: 'file' }, cause === undefined ? undefined : { cause });
}

/**
 * Parses the framed archive header at the front of `.filez` bytes (§2.5; `prefix` may be just
 * the first bytes of the object): what the file is and where its deflate body starts. Refuses
 * (OBJECT_CORRUPT) a damaged or non-normal header, a symlink with a size, and a header larger
 * than MAX_FILEZ_HEADER. Symlink targets are UTF-8 already: the strict `s` reader refuses
 * anything else, which is the check commit applies to targets read from disk. Pure.
 */
export function parseFilezHeader(checksum: Checksum, prefix: Uint8Array): { info: FileInfo; bodyOffset: number } {
  const what = `file object ${checksum}`;
  try {
    if (prefix.length >= 4 && Buffer.from(prefix.buffer, prefix.byteOffset, 4).readUInt32BE(0) > MAX_FILEZ_HEADER) {
      throw corruptFile(checksum, `header is over the ${MAX_FILEZ_HEADER}-byte limit`);
    }
    const { header, bodyOffset } = splitFramedHeader(prefix, what);
    const info = decodeArchiveHeader(header, what);
    if (isSymlinkMode(info.mode) && info.size !== 0) throw corruptFile(checksum, `symlink with a content size of ${info.size}`);
    return { info, bodyOffset };
  } catch (err) {
    throw corruptFile(checksum, err instanceof Error ? err.message : String(err), err);
  }
}

/** The framed content header whose SHA-256, followed by the content, is the object's checksum (§2.4). */
export function contentHashPrefix(info: FileInfo): Buffer {
  return framedHeader(encodeFileHeader(info));
}

/**
 * Verifies complete `.filez` bytes in memory: header, body inflated to exactly the size the
 * header says (never further: a lying header cannot make it inflate without bound), and
 * SHA-256(content header + content) == `checksum`. A symlink has no body. Returns what the file
 * is and its content. OBJECT_CORRUPT (data: checksum, type) otherwise. Pure; meant for small
 * objects (the caller bounds both sizes), larger ones are streamed by fsio/receive-filez.ts.
 */
export function verifyFilezBytes(checksum: Checksum, bytes: Uint8Array): { info: FileInfo; content: Buffer } {
  const { info, bodyOffset } = parseFilezHeader(checksum, bytes);
  const body = bytes.subarray(bodyOffset);
  let content: Buffer;
  if (isSymlinkMode(info.mode)) {
    if (body.length !== 0) throw corruptFile(checksum, `symlink with ${body.length} bytes of body`);
    content = Buffer.alloc(0);
  } else {
    try {
      content = zlib.inflateRawSync(body, { maxOutputLength: info.size + 1, chunkSize: Math.max(16 * 1024, Math.min(info.size + 64, 4 * 1024 * 1024)) });
    } catch (cause) {
      throw corruptFile(checksum, `compressed content is damaged (${(cause as Error).message})`, cause);
    }
    if (content.length !== info.size) throw corruptFile(checksum, `content is ${content.length} bytes, header says ${info.size}`);
  }
  const actual = sha256Hex(contentHashPrefix(info), content);
  if (actual !== checksum) throw checksumMismatch(checksum, actual);
  return { info, content };
}

export function checksumMismatch(checksum: Checksum, actual: Checksum): StoreError {
  return new StoreError('OBJECT_CORRUPT', `corrupted file object; checksum expected='${checksum}' actual='${actual}'`, { checksum, actual, type: 'file' });
}
