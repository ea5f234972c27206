// The strict reader: every way bytes can fail to be normal form is refused with GVARIANT_NOT_NORMAL.
import { describe, it, expect } from 'vitest';
import { StoreError } from '../errors.js';
import { deserialize, serialize, type GValue } from './index.js';

const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Asserts that `type` refuses `input` as not normal, optionally at byte `offset` and with a message matching `why`. */
function expectNotNormal(type: string, input: Uint8Array | string, offset?: number, why?: RegExp): StoreError {
  const data = typeof input === 'string' ? bytes(input) : input;
  let caught: unknown;
  try {
    deserialize(type, data);
  } catch (err) {
    caught = err;
  }
  expect(caught, `'${type}' ${hex(data)} should be refused`).toBeInstanceOf(StoreError);
  const err = caught as StoreError;
  expect(err.code).toBe('GVARIANT_NOT_NORMAL');
  if (offset !== undefined) {
    expect(err.data.offset).toBe(offset);
    expect(err.message).toContain(`at byte ${offset}`);
  }
  if (why) expect(err.message).toMatch(why);
  return err;
}

describe('deserialize: framing offsets', () => {
  it('rejects an array whose offsets are wider than needed', () => {
    // 100 empty strings: 100 bytes + 100 one-byte offsets fit in 255, so 2-byte offsets are not normal.
    let h = '00'.repeat(100);
    for (let i = 1; i <= 100; i++) h += Buffer.from([i, 0]).toString('hex');
    expectNotNormal('as', h, 100, /2 bytes wide where 1 suffice/);
  });

  it('rejects a tuple whose offsets are wider than needed', () => {
    // (ays): 253 bytes + "" = 254 body bytes + 1 offset fits in 255 with 1-byte offsets.
    expectNotNormal('(ays)', `${'01'.repeat(253)}00 fd00`, 254, /2 bytes wide where 1 suffice/);
  });

  it('accepts 2-byte offsets exactly when one-byte ones would not fit', () => {
    // 254 body bytes + 1 offset = 255: one byte still fits
    expect(deserialize('(ays)', bytes(`${'01'.repeat(253)}00 fd`))).toEqual([bytes('01'.repeat(253)), '']);
    // 255 body bytes + 1 offset = 256: two bytes are needed
    const wide = bytes(`${'01'.repeat(254)}00 fe00`);
    expect(deserialize('(ays)', wide)).toEqual([bytes('01'.repeat(254)), '']);
    expect(hex(serialize('(ays)', [bytes('01'.repeat(254)), '']))).toBe(hex(wide));
  });

  it('rejects an array whose last offset points past its elements', () => {
    expectNotNormal('as', '610005', 2, /points past/);
  });

  it('rejects an array whose offsets area is not a multiple of the offset width', () => {
    // 300 bytes (2-byte offsets) whose last offset leaves 3 bytes of offsets.
    const data = new Uint8Array(300).fill(0x61);
    data.set([0x29, 0x01], 298); // last offset 297 leaves 3 bytes of offsets
    expectNotNormal('as', data, 297, /not a multiple of their width 2/);
  });

  it('rejects array offsets that decrease', () => {
    // ['a', 'b', 'c'] is 610062006300 020406
    expect(deserialize('as', bytes('610062006300 020406'))).toEqual(['a', 'b', 'c']);
    expectNotNormal('as', '610062006300 020106', 7, /before its start 2/);
  });

  it('rejects an array element offset past the elements', () => {
    expectNotNormal('as', '610062006300 070406', 6, /past the elements/);
  });

  it('rejects a tuple member offset past the members', () => {
    expectNotNormal('(ss)', '6162006300 09', 5, /past the 5 bytes/);
  });

  it('rejects a tuple too small for its framing offsets', () => {
    expectNotNormal('(ayay)', '', 0, /cannot hold 1 framing offsets/);
    expectNotNormal('(a(say)a(sayay))', '', 0);
  });

  it('rejects a tuple member offset before the member start', () => {
    // (yss): y at 0, first s must start at 1; an end offset of 0 is before it.
    expectNotNormal('(yss)', '01 6100 6200 00', 5, /before its start 1/);
  });
});

describe('deserialize: padding and sizes', () => {
  it('rejects non-zero padding inside a tuple', () => {
    expectNotNormal('(yu)', '01ff0000 02000000', 1, /non-zero padding byte 0xff/);
  });

  it('rejects non-zero padding before a variant in a dict entry', () => {
    expect(deserialize('{sv}', bytes('6b000000000000006c007902'))).toEqual(['k', { type: 'y', value: 0x6c }]);
    expectNotNormal('{sv}', '6b000100000000006c007902', 2, /non-zero padding/);
  });

  it('rejects non-zero trailing padding of a fixed-size tuple', () => {
    expectNotNormal('(uy)', '0100000002ff0000', 5, /non-zero padding/);
  });

  it('rejects a unit tuple whose byte is not 00', () => {
    expectNotNormal('()', '01', 0);
    expectNotNormal('()', '', 0, /0 bytes for a fixed-size type of 1 bytes/);
  });

  it('rejects non-zero padding between array elements', () => {
    // a(st): element 0 is 'a\0', padding, t, one offset = 17 bytes; element 1 starts at 24.
    const good = serialize('a(st)', [['a', 1n], ['bc', 2n]]);
    expect(deserialize('a(st)', good)).toEqual([['a', 1n], ['bc', 2n]]);
    const bad = good.slice();
    const padAt = 18;
    expect(bad[padAt]).toBe(0);
    bad[padAt] = 1;
    expectNotNormal('a(st)', bad, padAt, /non-zero padding/);
  });

  it('rejects fixed-size values of the wrong size', () => {
    expectNotNormal('u', '010000', 0, /3 bytes for a fixed-size type of 4 bytes/);
    expectNotNormal('u', '0100000000', 0, /5 bytes/);
    expectNotNormal('b', '', 0);
    expectNotNormal('(uy)', '0100000002', 0);
    expectNotNormal('t', '00', 0);
  });

  it('rejects a Just value of the wrong size for a fixed-size element', () => {
    expectNotNormal('mu', '010000', 0, /Just value of 3 bytes/);
  });

  it('rejects a fixed-size array that is not a multiple of its element size', () => {
    expectNotNormal('au', '0100000002', 0, /not a multiple of its 4-byte element size/);
    expectNotNormal('a(uy)', '010000000200000003', 0);
  });

  it('rejects trailing bytes after the last member of a tuple', () => {
    expectNotNormal('(sy)', '616200 03 ff 03', 4, /1 trailing bytes/);
  });

  it('rejects a string array with a byte appended', () => {
    expectNotNormal('as', '61000200');
  });

  it('rejects a Just(variable) value without its trailing 00', () => {
    expectNotNormal('ms', '780001', 2, /not followed by a 00 byte/);
  });
});

describe('deserialize: strings', () => {
  it('rejects string data without a NUL terminator', () => {
    expectNotNormal('s', '6162', 1, /does not end with a NUL/);
  });

  it('rejects empty string data', () => {
    expectNotNormal('s', '', 0, /empty string data/);
  });

  it('rejects a string with an embedded NUL', () => {
    expectNotNormal('s', '61006200', 1, /embedded NUL/);
  });

  it('rejects a string with invalid UTF-8', () => {
    expectNotNormal('s', 'c32800', 0, /not valid UTF-8/); // bad continuation byte
    expectNotNormal('s', 'c0af00', 0, /not valid UTF-8/); // overlong '/'
    expectNotNormal('s', 'eda08000', 0, /not valid UTF-8/); // UTF-16 surrogate
    expectNotNormal('s', 'f490808000', 0, /not valid UTF-8/); // past U+10FFFF
    expectNotNormal('s', `${'61'.repeat(100)}e200`, 0, /not valid UTF-8/); // truncated, long string path
  });

  it('keeps a leading byte order mark as a character', () => {
    expect(deserialize('s', bytes('efbbbf6100'))).toBe('\uFEFFa');
    expect(hex(serialize('s', '\uFEFFa'))).toBe('efbbbf6100');
  });

  it('reads multi-byte UTF-8', () => {
    expect(deserialize('s', bytes('c3a9f09f988000'))).toBe('é😀');
  });

  it('rejects an object path with bad syntax', () => {
    for (const p of ['a', '/a/', '//', '/a//b', '/a-b', '']) {
      expectNotNormal('o', serializeUnchecked(p), 0, /not a valid object path/);
    }
    expect(deserialize('o', bytes('2f00'))).toBe('/');
    expect(deserialize('o', bytes('2f615f312f4200'))).toBe('/a_1/B');
  });

  it('rejects a signature with bad syntax', () => {
    for (const g of ['a', 'a{vs}', 'ms', '(', 'z', '{sv}{']) {
      expectNotNormal('g', serializeUnchecked(g), 0, /not a valid signature/);
    }
    expect(deserialize('g', bytes('00'))).toBe('');
    expect(deserialize('g', serialize('s', 'ii(su)a{sv}'))).toBe('ii(su)a{sv}');
  });
});

/** The bytes of a string as `s` would encode it, to feed the stricter `o` and `g` readers. */
function serializeUnchecked(s: string): Uint8Array {
  return serialize('s', s);
}

describe('deserialize: booleans', () => {
  it('rejects a boolean byte other than 00 or 01', () => {
    expect(deserialize('b', bytes('00'))).toBe(false);
    expectNotNormal('b', '02', 0, /boolean byte 0x02 is neither 00 nor 01/);
    expectNotNormal('ab', '000102', 2);
  });
});

describe('deserialize: variants', () => {
  it('rejects a variant without the 00 before its type', () => {
    expectNotNormal('v', '0101', 0, /no 00 byte/);
    expectNotNormal('v', '', 0);
  });

  it('rejects a variant with an empty type string', () => {
    expectNotNormal('v', '0100', 1, /empty type string/);
  });

  it('rejects a variant whose type string is invalid', () => {
    const err = expectNotNormal('v', '01000000007a', 5, /"z" is not one complete valid type/);
    expect((err.cause as StoreError).code).toBe('GVARIANT_BAD_TYPE');
    expectNotNormal('v', '0000 ff', 2); // not ASCII
    expectNotNormal('v', '00 2a', 1); // indefinite type '*'
  });

  it('rejects a variant whose type string is more than one type', () => {
    expectNotNormal('v', '01000000 00 7575', 5, /"uu"/);
  });

  it('rejects a variant whose value does not fit its type', () => {
    expectNotNormal('v', '0100 00 75', 0, /2 bytes for a fixed-size type of 4 bytes/);
  });

  it('rejects variants nested deeper than 128', () => {
    let h = '01000000 00 75';
    for (let i = 0; i < 200; i++) h += '00 76';
    expectNotNormal('v', h, undefined, /nested deeper than 128/);
  });

  it('survives a very deep variant nesting without overflowing the stack', () => {
    const data = new Uint8Array(200_000);
    for (let i = 0; i < data.length; i += 2) data.set([0x00, 0x76], i);
    expectNotNormal('v', data, undefined, /nested deeper than 128/);
  });
});

describe('deserialize: nested values', () => {
  it('rejects a non-normal value inside a variant inside an array', () => {
    const good = serialize('a{sv}', [['k', { type: 'b', value: true }]]);
    expect(hex(good)).toBe('6b00000000000000010062020c');
    const bad = good.slice();
    bad[8] = 2;
    const err = expectNotNormal('a{sv}', bad, 8, /boolean byte 0x02/);
    expect(err.message).toContain("inside 'a{sv}'");
  });

  it('rejects non-normal offsets inside a nested array', () => {
    // (a(say)a(sayay)) with one file whose name offset is damaged: 6100 C1 02 23 24 → 6100 C1 05 23 24
    const good = bytes(`6100${'11'.repeat(32)}022324`);
    expect(deserialize('(a(say)a(sayay))', good)).toEqual([[['a', bytes('11'.repeat(32))]], []]);
    const bad = good.slice();
    bad[34] = 0x30;
    expectNotNormal('(a(say)a(sayay))', bad, 34, /member 0 ends at 48, past the 34 bytes/);
  });

  it('tells Nothing, Just(Nothing) and Just(Just(x)) apart in nested maybes', () => {
    expect(deserialize('mmu', bytes(''))).toBe(null);
    expect(deserialize('mmu', bytes('00'))).toEqual([null]);
    expect(deserialize('mmu', bytes('0700000000'))).toEqual([7]);
    expect(hex(serialize('mmu', [null]))).toBe('00');
    expect(hex(serialize('mmu', [7]))).toBe('0700000000');
  });
});

describe('deserialize: large containers', () => {
  it('reads a dirtree of 3000 files that needs 4-byte offsets', () => {
    const files: GValue = Array.from({ length: 3000 }, (_, i) => [`file-${String(i).padStart(5, '0')}`, new Uint8Array(32).fill(i & 0xff)]);
    const tree: GValue = [files, []];
    const encoded = serialize('(a(say)a(sayay))', tree);
    expect(encoded.length).toBeGreaterThan(0xffff);
    // the outer tuple's single offset is 4 bytes wide and says where the files array ends
    expect(Buffer.from(encoded).readUInt32LE(encoded.length - 4)).toBe(encoded.length - 4);
    expect(deserialize('(a(say)a(sayay))', encoded)).toEqual(tree);
  });

  it('returns byte arrays as copies that do not alias the input', () => {
    const input = bytes('010203');
    const out = deserialize('ay', input) as Uint8Array;
    input[0] = 9;
    expect(out[0]).toBe(1);
  });

  it('returns byte arrays as plain Uint8Array copies when reading a Buffer', () => {
    const input = Buffer.from('0203', 'hex');
    const out = deserialize('ay', input) as Uint8Array;
    input[0] = 9;
    expect(out[0]).toBe(2);
    expect(Buffer.isBuffer(out)).toBe(false);
  });

  it('reads from a Uint8Array that is a view into a larger buffer', () => {
    const backing = bytes('ffff 01000000 02000000 ff');
    expect(deserialize('(uu)', backing.subarray(2, 10))).toEqual([1, 2]);
  });
});

describe('deserialize: arguments', () => {
  it('refuses an invalid type string with GVARIANT_BAD_TYPE', () => {
    expect(() => deserialize('(u', bytes('00'))).toThrow(expect.objectContaining({ code: 'GVARIANT_BAD_TYPE' }));
  });
});
