import { serialize, deserialize, bswap32 } from '../gvariant/index.js';
import type { GValue } from '../gvariant/index.js';
import { StoreError } from '../errors.js';
import { type Xattrs, xattrsToGValue, xattrsFromGValue } from './xattrs.js';

/** A directory's metadata object `(uuua(ayay))`, integers big-endian (§2.3). */
export interface DirMeta {
  uid: number;
  gid: number;
  /** full st_mode, S_IFDIR included */
  mode: number;
  xattrs: Xattrs;
}

export const DIRMETA_TYPE = '(uuua(ayay))';
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

export function encodeDirMeta(meta: DirMeta): Uint8Array {
  return serialize(DIRMETA_TYPE, [bswap32(meta.uid), bswap32(meta.gid), bswap32(meta.mode), xattrsToGValue(meta.xattrs)]);
}

/** Parses and validates a dirmeta: it must describe a directory with only permission bits set. */
export function decodeDirMeta(bytes: Uint8Array, what = 'dirmeta'): DirMeta {
  const [uid, gid, mode, xattrs] = deserialize(DIRMETA_TYPE, bytes) as [number, number, number, GValue];
  const m = bswap32(mode);
  if ((m & S_IFMT) !== S_IFDIR || (m & ~(S_IFMT | 0o7777)) !== 0) {
    throw new StoreError('OBJECT_CORRUPT', `${what}: invalid directory metadata mode ${m}; not a directory`, { mode: m });
  }
  return { uid: bswap32(uid), gid: bswap32(gid), mode: m, xattrs: xattrsFromGValue(xattrs, what) };
}
