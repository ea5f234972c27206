/**
 * Encoding of pack records (see records.ts): pure functions from values to the exact bytes of
 * one length-prefixed record. The caller writes them in order; large objects are written by
 * their start record, their body cut by `chunkRecords`, and their end record, so a sender never
 * holds a large object whole.
 */
import { Packr } from 'msgpackr';
import type { ObjectType } from '@osgit/store';
import {
  LARGE_OBJECT_THRESHOLD, LENGTH_PREFIX_BYTES, MAX_CHUNK_BYTES, PACK_VERSION, typeCodeOf,
  type PackRecord, type PackRefUpdate,
} from './records.js';

// No shared structures or records extension: each record is a plain self-describing msgpack map.
const packr = new Packr({ useRecords: false, variableMapSize: true });

/** The bytes of one record: a 4-byte big-endian length, then the msgpack map. */
export function encodeRecord(record: PackRecord): Buffer {
  const body = packr.pack(record);
  const out = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, LENGTH_PREFIX_BYTES);
  return out;
}

/** The header: how many objects and how many object bytes (the sum of their archive sizes) follow. */
export function encodePackHeader(totals: { objects: number; bytes: number }): Buffer {
  return encodeRecord({ k: 'h', v: PACK_VERSION, objects: totals.objects, bytes: totals.bytes });
}

/** The trailer: the object count again, so a cut stream can never pass for a whole one. */
export function encodePackEnd(objects: number): Buffer {
  return encodeRecord({ k: 'end', objects });
}

/** The ref updates of a push. */
export function encodeRefsRecord(updates: PackRefUpdate[]): Buffer {
  return encodeRecord({ k: 'refs', updates });
}

/**
 * The records of one object held in memory: one 'o' record up to LARGE_OBJECT_THRESHOLD bytes,
 * else a start record, chunks and an end record.
 */
export function encodeObjectRecords(type: ObjectType, checksum: Uint8Array, bytes: Uint8Array): Buffer[] {
  if (bytes.length <= LARGE_OBJECT_THRESHOLD) return [encodeRecord({ k: 'o', t: typeCodeOf(type), c: checksum, d: bytes })];
  return [encodeLargeObjectStart(type, checksum, bytes.length), ...chunkRecords(bytes), encodeLargeObjectEnd()];
}

/**
 * Starts a large object of exactly `size` bytes (null when the sender compresses it on the way and
 * cannot know); its chunks must follow, then encodeLargeObjectEnd().
 */
export function encodeLargeObjectStart(type: ObjectType, checksum: Uint8Array, size: number | null): Buffer {
  return encodeRecord({ k: 'b', t: typeCodeOf(type), c: checksum, size });
}

/** 'd' records of at most MAX_CHUNK_BYTES each, carrying `bytes` (any length, 0 gives none). */
export function chunkRecords(bytes: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += MAX_CHUNK_BYTES) {
    out.push(encodeRecord({ k: 'd', d: bytes.subarray(at, Math.min(at + MAX_CHUNK_BYTES, bytes.length)) }));
  }
  return out;
}

export function encodeLargeObjectEnd(): Buffer {
  return encodeRecord({ k: 'e' });
}
