import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../errors.js';
import {
  PackDecoder, chunkRecords, encodeLargeObjectEnd, encodeLargeObjectStart, encodeObjectRecords, encodePackEnd,
  encodePackHeader, encodeRecord, encodeRefsRecord, readPackRecords, type PackRecord,
} from './index.js';
import { thrownCode } from '../test-support/thrown-code.js';

const C = new Uint8Array(32).fill(0xab);
const hexC = 'ab'.repeat(32);

function decodeAll(bytes: Uint8Array, opts = {}, step = bytes.length): PackRecord[] {
  const d = new PackDecoder(opts);
  const out: PackRecord[] = [];
  for (let at = 0; at < bytes.length; at += step) {
    d.push(bytes.subarray(at, at + step));
    for (let r = d.next(); r !== null; r = d.next()) out.push(r);
  }
  d.finish();
  return out;
}

function pack(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}

describe('pack records', () => {
  it('encodes the end record as a length prefix and a msgpack fixmap (hand-computed bytes)', () => {
    // 0x82 fixmap(2); a1 'k'; a3 'end'; a7 'objects'; 03
    const expected = Buffer.from('00000010' + '82' + 'a16b' + 'a3656e64' + 'a76f626a65637473' + '03', 'hex');
    expect(encodePackEnd(3).toString('hex')).toBe(expected.toString('hex'));
  });

  it('encodes an object record with the checksum and bytes as msgpack bin (hand-computed bytes)', () => {
    const expected = Buffer.from(
      '00000033' + '84' + 'a16b' + 'a16f' + 'a174' + '02' + 'a163' + 'c420' + 'ab'.repeat(32) + 'a164' + 'c403010203',
      'hex',
    );
    const record = Buffer.concat(encodeObjectRecords('dirtree', C, Uint8Array.from([1, 2, 3])));
    expect(record.toString('hex')).toBe(expected.toString('hex'));
    // the hand-framed record is the one msgpackr writes
    expect(encodeRecord({ k: 'o', t: 2, c: C, d: Uint8Array.from([1, 2, 3]) }).toString('hex')).toBe(expected.toString('hex'));
    // and the hand-written bytes decode to the record
    const d = new PackDecoder();
    d.push(encodePackHeader({ objects: 1, bytes: 3 }));
    d.push(expected);
    expect(d.next()).toEqual({ k: 'h', v: 1, objects: 1, bytes: 3 });
    const o = d.next() as Extract<PackRecord, { k: 'o' }>;
    expect([o.k, o.t, Buffer.from(o.c).toString('hex'), [...o.d]]).toEqual(['o', 2, hexC, [1, 2, 3]]);
  });

  it('round-trips a pack fed one byte at a time, and says how many bytes it needs', () => {
    const bytes = pack(
      encodePackHeader({ objects: 2, bytes: 5 }),
      ...encodeObjectRecords('file', C, Buffer.from('hello')),
      ...encodeObjectRecords('commitmeta', C, Buffer.alloc(0)),
      encodePackEnd(2),
    );
    const d = new PackDecoder();
    expect(d.needed).toBe(4);
    d.push(bytes.subarray(0, 4));
    expect(d.next()).toBeNull();
    expect(d.needed).toBe(bytes.readUInt32BE(0));
    const records = decodeAll(bytes, {}, 1);
    expect(records.map((r) => r.k)).toEqual(['h', 'o', 'o', 'end']);
  });

  it.each([0, 255, 256, 65535, 65536, 4 << 20])('frames a %i-byte object and chunk exactly as msgpackr does', (n) => {
    const d = Buffer.alloc(n, 3);
    expect(Buffer.concat(encodeObjectRecords('file', C, d)).equals(encodeRecord({ k: 'o', t: 1, c: C, d }))).toBe(true);
    if (n > 0) expect(Buffer.concat(chunkRecords(d.subarray(0, Math.min(n, 1 << 20)))).equals(encodeRecord({ k: 'd', d: d.subarray(0, Math.min(n, 1 << 20)) }))).toBe(true);
  });

  it('splits a large object into chunks of at most 1 MiB and reassembles it', async () => {
    const body = Buffer.alloc(4 * 1024 * 1024 + 5, 7);
    const records = encodeObjectRecords('file', C, body);
    expect(records.length).toBe(1 + 2 * 5 + 1);
    const bytes = pack(encodePackHeader({ objects: 1, bytes: body.length }), ...records, encodePackEnd(1));
    expect(decodeAll(bytes, {}, 65536).map((r) => r.k)).toEqual(['h', 'b', 'd', 'd', 'd', 'd', 'd', 'e', 'end']);
    const parts: Buffer[] = [];
    for await (const r of readPackRecords(chunksOf(bytes, 100_000))) {
      if (r.k === 'b') expect([r.t, Buffer.from(r.c).toString('hex'), r.size]).toEqual([1, hexC, body.length]);
      if (r.k === 'd') parts.push(Buffer.from(r.d));
    }
    expect(Buffer.concat(parts).equals(body)).toBe(true);
  });

  it('accepts a large object of unknown size, bounded by maxObjectBytes', () => {
    const body = Buffer.alloc(3 << 20, 1);
    const bytes = pack(encodePackHeader({ objects: 1, bytes: 0 }), encodeLargeObjectStart('file', C, null), ...chunkRecords(body), encodeLargeObjectEnd(), encodePackEnd(1));
    expect(decodeAll(bytes).map((r) => r.k)).toEqual(['h', 'b', 'd', 'd', 'd', 'e', 'end']);
    expect(thrownCode(() => decodeAll(bytes, { maxObjectBytes: (2 << 20) + 1 }))).toBe('BAD_RESPONSE');
  });

  it('carries a refs record only when allowed', () => {
    const bytes = pack(
      encodePackHeader({ objects: 0, bytes: 0 }),
      encodeRefsRecord([{ ref: 'os/x86_64/stable', old: null, new: C }]),
      encodePackEnd(0),
    );
    const records = decodeAll(bytes, { allowRefs: true });
    expect(records[1]).toEqual({ k: 'refs', updates: [{ ref: 'os/x86_64/stable', old: null, new: Buffer.from(C) }] });
    expect(thrownCode(() => decodeAll(bytes))).toBe('BAD_RESPONSE');
  });
});

describe('pack decoder refuses', () => {
  const header = encodePackHeader({ objects: 1, bytes: 3 });
  const obj = Buffer.concat(encodeObjectRecords('file', C, Uint8Array.from([1, 2, 3])));

  it.each([
    ['a truncated stream (no end record)', pack(header, obj)],
    ['a stream cut inside a record', pack(header, obj.subarray(0, 10))],
    ['a stream cut inside a length prefix', pack(header, obj, encodePackEnd(1).subarray(0, 2))],
    ['an empty stream', Buffer.alloc(0)],
  ])('%s as truncated', (_name, bytes) => {
    const d = new PackDecoder();
    d.push(bytes);
    while (d.next() !== null);
    let err: unknown;
    try {
      d.finish();
    } catch (e) {
      err = e;
    }
    expect(isProtocolError(err, 'BAD_RESPONSE')).toBe(true);
    expect((err as Error).message).toMatch(/truncated/);
  });

  it.each([
    ['a record over the size limit', pack(header, lengthOnly(5_000_000))],
    ['no header first', pack(obj)],
    ['another version', pack(encodeRecord({ k: 'h', v: 2, objects: 0, bytes: 0 }), encodePackEnd(0))],
    ['more objects than announced', pack(encodePackHeader({ objects: 0, bytes: 0 }), obj, encodePackEnd(1))],
    ['an end count that disagrees', pack(header, obj, encodePackEnd(2))],
    ['a 31-byte checksum', pack(header, encodeRecord({ k: 'o', t: 1, c: new Uint8Array(31), d: new Uint8Array(1) }), encodePackEnd(1))],
    ['an unknown type', pack(header, encodeRecord({ k: 'o', t: 9, c: C, d: new Uint8Array(1) } as never), encodePackEnd(1))],
    ['a string instead of bytes', pack(header, encodeRecord({ k: 'o', t: 1, c: C, d: 'x' } as never), encodePackEnd(1))],
    ['a record that is not a map', pack(header, framed(Buffer.from('93010203', 'hex')))],
    ['msgpack garbage', pack(header, framed(Buffer.from('c1c1c1', 'hex')))],
    ['a record with trailing bytes', pack(header, framed(Buffer.concat([obj.subarray(4), Buffer.from([0])])))],
    ['bytes after the end record', pack(encodePackHeader({ objects: 0, bytes: 0 }), encodePackEnd(0), Buffer.from([0]))],
    ['a chunk outside a large object', pack(header, ...chunkRecords(Buffer.from('abc')))],
    ['a large object longer than announced', pack(header, encodeLargeObjectStart('file', C, 2), ...chunkRecords(Buffer.from('abc')))],
    ['a large object shorter than announced', pack(header, encodeLargeObjectStart('file', C, 4), ...chunkRecords(Buffer.from('abc')), encodeLargeObjectEnd())],
    ['an object record inside a large object', pack(header, encodeLargeObjectStart('file', C, 4), obj)],
    ['a chunk over 1 MiB', pack(header, encodeLargeObjectStart('file', C, 2 << 20), encodeRecord({ k: 'd', d: Buffer.alloc((1 << 20) + 1) }))],
  ])('%s', (_name, bytes) => {
    expect(thrownCode(() => decodeAll(bytes))).toBe('BAD_RESPONSE');
  });

  it('refuses an object over maxObjectBytes, whole or announced large', () => {
    expect(thrownCode(() => decodeAll(pack(header, obj, encodePackEnd(1)), { maxObjectBytes: 2 }))).toBe('BAD_RESPONSE');
    expect(thrownCode(() => decodeAll(pack(header, encodeLargeObjectStart('file', C, 3)), { maxObjectBytes: 2 }))).toBe('BAD_RESPONSE');
  });

  it('answers random garbage and random cuts of a valid pack with BAD_RESPONSE only, never another error', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const valid = pack(
      encodePackHeader({ objects: 2, bytes: 8 }),
      ...encodeObjectRecords('dirmeta', C, Buffer.from('abcde')),
      ...encodeObjectRecords('commit', C, Buffer.from('xyz')),
      encodePackEnd(2),
    );
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(valid);
      // flip a few bytes, or cut, or replace everything after the header by noise
      const mode = i % 3;
      if (mode === 0) for (let j = 0; j < 3; j++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      const input = mode === 1 ? bytes.subarray(0, Math.floor(rand() * bytes.length))
        : mode === 2 ? Buffer.concat([bytes.subarray(0, 20), Buffer.from(Array.from({ length: 64 }, () => Math.floor(rand() * 256)))])
          : bytes;
      let result: string | undefined;
      try {
        decodeAll(input);
        result = 'ok';
      } catch (err) {
        if (!isProtocolError(err, 'BAD_RESPONSE')) throw err;
      }
      // A flip inside object bytes may still decode: the pack codec does not check checksums,
      // the store does. Anything else must be refused.
      if (result === 'ok') expect(mode).toBe(0);
    }
  });
});

function lengthOnly(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function framed(body: Buffer): Buffer {
  return Buffer.concat([lengthOnly(body.length), body]);
}

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
