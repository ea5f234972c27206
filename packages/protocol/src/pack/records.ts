/**
 * The records of an osgit pack (the smart protocol's object stream, DESIGN §5). A pack is a
 * sequence of records, each a 4-byte big-endian length then that many bytes of one msgpack map
 * (msgpackr without shared structures, so every record decodes on its own):
 *
 *   { k: 'h', v: 1, objects, bytes }        header: object count (exact) and total object bytes
 *                                             (as planned: an estimate for a bare repo's files)
 *   { k: 'o', t, c, d }                     one object: type code, 32-byte checksum, archive bytes
 *   { k: 'b', t, c, size }                  a large object starts: `size` bytes (null: not known
 *                                             before it is compressed) follow in
 *   { k: 'd', d }                             chunks of at most 1 MiB
 *   { k: 'e' }                                and end
 *   { k: 'refs', updates }                  push only: the ref updates, once, between objects
 *   { k: 'end', objects }                   trailer: the object count again
 */
import type { ObjectType } from '@osgit/store';

export const PACK_VERSION = 1;
export const PACK_CONTENT_TYPE = 'application/x-osgit-pack';

/** Objects larger than this travel as 'b' + 'd'* + 'e' so neither side holds them in one record. */
export const LARGE_OBJECT_THRESHOLD = 4 * 1024 * 1024;
/** The largest 'd' chunk. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
/** Room for a record's keys around its payload. */
export const RECORD_OVERHEAD = 256;
/** The largest record a decoder accepts by default: an 'o' record of a 4 MiB object. */
export const DEFAULT_MAX_RECORD_BYTES = LARGE_OBJECT_THRESHOLD + RECORD_OVERHEAD;
/** Bytes of the length prefix in front of every record. */
export const LENGTH_PREFIX_BYTES = 4;

/** OSTree's OstreeObjectType numbers, the type codes on the wire (shared contract). */
export type TypeCode = 1 | 2 | 3 | 4 | 5 | 6;

const CODE_OF: Record<ObjectType, TypeCode> = {
  file: 1,
  dirtree: 2,
  dirmeta: 3,
  commit: 4,
  'tombstone-commit': 5,
  commitmeta: 6,
};
const TYPE_OF: readonly (ObjectType | undefined)[] = [undefined, 'file', 'dirtree', 'dirmeta', 'commit', 'tombstone-commit', 'commitmeta'];

export function typeCodeOf(type: ObjectType): TypeCode {
  return CODE_OF[type];
}

/** The ObjectType of a wire type code, or undefined for a code that is not one. */
export function objectTypeOf(code: unknown): ObjectType | undefined {
  return typeof code === 'number' && Number.isInteger(code) ? TYPE_OF[code] : undefined;
}

export interface HeaderRecord { k: 'h'; v: number; objects: number; bytes: number }
export interface ObjectRecord { k: 'o'; t: TypeCode; c: Uint8Array; d: Uint8Array }
export interface LargeStartRecord { k: 'b'; t: TypeCode; c: Uint8Array; size: number | null }
export interface ChunkRecord { k: 'd'; d: Uint8Array }
export interface LargeEndRecord { k: 'e' }
/** One ref update of a push: `old` null means "the ref must not exist yet". */
export interface PackRefUpdate { ref: string; old: Uint8Array | null; new: Uint8Array }
export interface RefsRecord { k: 'refs'; updates: PackRefUpdate[] }
export interface EndRecord { k: 'end'; objects: number }

export type PackRecord =
  | HeaderRecord
  | ObjectRecord
  | LargeStartRecord
  | ChunkRecord
  | LargeEndRecord
  | RefsRecord
  | EndRecord;
