import { serialize, deserialize, bswap32, bswap64 } from '../gvariant/index.js';
import type { GValue } from '../gvariant/index.js';
import { StoreError } from '../errors.js';
import { type Xattrs, xattrsToGValue, xattrsFromGValue } from './xattrs.js';

/** What a content object says about its file, besides the bytes (§2.4, §2.5). */
export interface FileInfo {
  uid: number;
  gid: number;
  /** full st_mode: S_IFREG or S_IFLNK plus permission bits */
  mode: number;
  /** symlink target, '' for regular files */
  symlinkTarget: string;
  xattrs: Xattrs;
  /** content length; 0 for symlinks */
  size: number;
}

export const FILE_HEADER_TYPE = '(uuuusa(ayay))';
export const ARCHIVE_HEADER_TYPE = '(tuuuusa(ayay))';
export const BARE_USER_META_TYPE = '(uuua(ayay))';

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFDIR = 0o040000;

export function isSymlinkMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFLNK;
}

/** The header GVariant of the canonical content stream, whose SHA-256 names the object. */
export function encodeFileHeader(info: FileInfo): Uint8Array {
  return serialize(FILE_HEADER_TYPE, [
    bswap32(info.uid), bswap32(info.gid), bswap32(info.mode), 0, info.symlinkTarget, xattrsToGValue(info.xattrs),
  ]);
}

/** The `.filez` header: the content header with the content size in front. */
export function encodeArchiveHeader(info: FileInfo): Uint8Array {
  return serialize(ARCHIVE_HEADER_TYPE, [
    bswap64(BigInt(info.size)), bswap32(info.uid), bswap32(info.gid), bswap32(info.mode), 0, info.symlinkTarget,
    xattrsToGValue(info.xattrs),
  ]);
}

/** BE uint32 length, four zero bytes, then the header: the prefix of both stream formats. */
export function framedHeader(header: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + header.length);
  out.writeUInt32BE(header.length, 0);
  out.set(header, 8);
  return out;
}

/** Splits a framed header off the front of `bytes`; returns the header and where the body starts. */
export function splitFramedHeader(bytes: Uint8Array, what: string): { header: Uint8Array; bodyOffset: number } {
  if (bytes.length < 8) throw new StoreError('OBJECT_CORRUPT', `${what}: truncated header`, { what });
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.readUInt32BE(0);
  if (len === 0 || 8 + len > bytes.length || view.readUInt32BE(4) !== 0) {
    throw new StoreError('OBJECT_CORRUPT', `${what}: invalid header length ${len}`, { what });
  }
  return { header: bytes.subarray(8, 8 + len), bodyOffset: 8 + len };
}

function checkMode(mode: number, rdev: number, symlinkTarget: string, what: string): void {
  if (rdev !== 0) throw new StoreError('OBJECT_CORRUPT', `${what}: invalid rdev ${rdev}`, { what });
  const type = mode & S_IFMT;
  if (type !== S_IFREG && type !== S_IFLNK) {
    throw new StoreError('OBJECT_CORRUPT', `${what}: invalid mode ${mode}; not a regular file or symlink`, { what, mode });
  }
  if ((mode & ~(S_IFMT | 0o7777)) !== 0) throw new StoreError('OBJECT_CORRUPT', `${what}: invalid mode ${mode}`, { what, mode });
  if (type === S_IFLNK && symlinkTarget === '') throw new StoreError('OBJECT_CORRUPT', `${what}: symlink with an empty target`, { what });
  if (type === S_IFREG && symlinkTarget !== '') throw new StoreError('OBJECT_CORRUPT', `${what}: regular file with a symlink target`, { what });
}

export function decodeFileHeader(header: Uint8Array, size: number, what: string): FileInfo {
  const [uid, gid, mode, rdev, target, xattrs] = deserialize(FILE_HEADER_TYPE, header) as [number, number, number, number, string, GValue];
  const m = bswap32(mode);
  checkMode(m, rdev, target, what);
  return { uid: bswap32(uid), gid: bswap32(gid), mode: m, symlinkTarget: target, xattrs: xattrsFromGValue(xattrs, what), size };
}

export function decodeArchiveHeader(header: Uint8Array, what: string): FileInfo {
  const [size, uid, gid, mode, rdev, target, xattrs] = deserialize(ARCHIVE_HEADER_TYPE, header) as [
    bigint, number, number, number, number, string, GValue,
  ];
  const m = bswap32(mode);
  checkMode(m, rdev, target, what);
  const sz = bswap64(size);
  if (sz > BigInt(Number.MAX_SAFE_INTEGER)) throw new StoreError('OBJECT_CORRUPT', `${what}: absurd size`, { what });
  return { uid: bswap32(uid), gid: bswap32(gid), mode: m, symlinkTarget: target, xattrs: xattrsFromGValue(xattrs, what), size: Number(sz) };
}

/** `user.ostreemeta` of bare-user objects: uid, gid, mode, xattrs (§1.2). */
export function encodeBareUserMeta(info: Pick<FileInfo, 'uid' | 'gid' | 'mode' | 'xattrs'>): Uint8Array {
  return serialize(BARE_USER_META_TYPE, [bswap32(info.uid), bswap32(info.gid), bswap32(info.mode), xattrsToGValue(info.xattrs)]);
}

export function decodeBareUserMeta(bytes: Uint8Array, what: string): Pick<FileInfo, 'uid' | 'gid' | 'mode' | 'xattrs'> {
  const [uid, gid, mode, xattrs] = deserialize(BARE_USER_META_TYPE, bytes) as [number, number, number, GValue];
  const m = bswap32(mode);
  const type = m & S_IFMT;
  if (type !== S_IFREG && type !== S_IFLNK) throw new StoreError('OBJECT_CORRUPT', `${what}: invalid mode ${m} in user.ostreemeta`, { what });
  return { uid: bswap32(uid), gid: bswap32(gid), mode: m, xattrs: xattrsFromGValue(xattrs, what) };
}
