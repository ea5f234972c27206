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
 * else a start record, chunks and an end record. The object's bytes are not copied: each record
 * is its head (length prefix, keys, msgpack bin header) then a view of `bytes`, so write the
 * buffers in order (their concatenation is exactly encodeRecord's).
 */
export function encodeObjectRecords(type: ObjectType, checksum: Uint8Array, bytes: Uint8Array): Buffer[] {
  if (bytes.length > LARGE_OBJECT_THRESHOLD) {
    return [encodeLargeObjectStart(type, checksum, bytes.length), ...chunkRecords(bytes), encodeLargeObjectEnd()];
  }
  if (checksum.length !== 32) throw new RangeError('a checksum is 32 bytes');
  // { k: 'o', t, c, d } as msgpackr writes it (see pack.test.ts for the bytes): fixmap(4),
  // 'k' 'o', 't' fixint, 'c' bin8(32), 'd' bin.
  const head = Buffer.concat([
    Buffer.from([0x84, 0xa1, 0x6b, 0xa1, 0x6f, 0xa1, 0x74, typeCodeOf(type), 0xa1, 0x63, 0xc4, 0x20]),
    checksum,
    Buffer.from([0xa1, 0x64]),
    binHeader(bytes.length),
  ]);
  return [withLength(head, bytes.length), asBuffer(bytes)];
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
    const d = bytes.subarray(at, Math.min(at + MAX_CHUNK_BYTES, bytes.length));
    // { k: 'd', d } as msgpackr writes it: fixmap(2), 'k' 'd', 'd' bin; the bytes not copied.
    out.push(withLength(Buffer.concat([Buffer.from([0x82, 0xa1, 0x6b, 0xa1, 0x64, 0xa1, 0x64]), binHeader(d.length)]), d.length), asBuffer(d));
  }
  return out;
}

/** msgpack's bin8/bin16/bin32 header for `n` bytes. */
function binHeader(n: number): Buffer {
  if (n < 0x100) return Buffer.from([0xc4, n]);
  if (n < 0x10000) return Buffer.from([0xc5, n >> 8, n & 0xff]);
  const b = Buffer.allocUnsafe(5);
  b[0] = 0xc6;
  b.writeUInt32BE(n, 1);
  return b;
}

/** `head` behind the 4-byte length of a record of `head` plus `tail` more bytes. */
function withLength(head: Buffer, tail: number): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + head.length);
  out.writeUInt32BE(head.length + tail, 0);
  head.copy(out, LENGTH_PREFIX_BYTES);
  return out;
}

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

export function encodeLargeObjectEnd(): Buffer {
  return encodeRecord({ k: 'e' });
}
