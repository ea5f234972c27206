// The writer refuses JS values that do not fit the type, saying where in the value the problem is.
import { describe, it, expect } from 'vitest';
import { StoreError } from '../errors.js';
import { parseType, serialize, type GValue } from './index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function expectBadValue(type: string, value: GValue, why?: RegExp): StoreError {
  let caught: unknown;
  try {
    serialize(type, value);
  } catch (err) {
    caught = err;
  }
  expect(caught, `'${type}' should refuse the value`).toBeInstanceOf(StoreError);
  const err = caught as StoreError;
  expect(err.code).toBe('GVARIANT_BAD_VALUE');
  if (why) expect(err.message).toMatch(why);
  return err;
}

describe('serialize: integers', () => {
  it('writes every integer type little-endian at its bounds', () => {
    expect(hex(serialize('(yqnuixt)', [255, 0xffff, -0x8000, 0xffffffff, -0x80000000, -(2n ** 63n), 2n ** 64n - 1n]))).toBe(
      'ff' + '00' + 'ffff' + '0080' + '0000' + 'ffffffff' + '00000080' + '0000000000000080' + 'ffffffffffffffff',
    );
  });

  it('refuses integers out of range or not integral', () => {
    expectBadValue('y', 256, /0\.\.255/);
    expectBadValue('y', -1);
    expectBadValue('q', 0x10000);
    expectBadValue('n', 0x8000);
    expectBadValue('u', -1);
    expectBadValue('u', 2 ** 32);
    expectBadValue('i', 2 ** 31);
    expectBadValue('h', 1.5);
    expectBadValue('u', Number.NaN);
  });

  it('refuses a number where a bigint is needed, and bigints out of range', () => {
    expectBadValue('t', 5, /expected a bigint/);
    expectBadValue('t', -1n, /uint64/);
    expectBadValue('t', 2n ** 64n);
    expectBadValue('x', 2n ** 63n, /int64/);
  });

  it('refuses a bigint or string where a number is needed', () => {
    expectBadValue('u', 5n);
    expectBadValue('d', '1.5', /expected a number/);
  });

  it('refuses anything but a boolean for b', () => {
    expectBadValue('b', 1, /expected a boolean/);
  });
});

describe('serialize: strings', () => {
  it('refuses a string with an embedded NUL', () => {
    expectBadValue('s', 'a\0b', /embedded NUL/);
  });

  it('refuses a string with an unpaired surrogate', () => {
    expectBadValue('s', 'a\uD800b', /unpaired UTF-16 surrogate/);
    expectBadValue('s', '\uDC00');
    expect(hex(serialize('s', '\uD83D\uDE00'))).toBe('f09f988000');
  });

  it('refuses an invalid object path or signature', () => {
    expectBadValue('o', 'a/b', /not a valid object path/);
    expectBadValue('o', '/a/');
    expectBadValue('g', 'a{vs}', /not a valid signature/);
    expectBadValue('g', 'mu');
  });

  it('refuses a non-string', () => {
    expectBadValue('s', new Uint8Array(0), /expected a string, got a Uint8Array/);
    expectBadValue('s', null);
  });

  it('writes long non-ASCII strings in one pass', () => {
    const s = 'é'.repeat(1000) + '😀';
    const out = serialize('s', s);
    expect(out.length).toBe(2000 + 4 + 1);
    expect(hex(out.subarray(-5))).toBe('f09f988000');
  });
});

describe('serialize: containers', () => {
  it('refuses a plain array where ay needs a Uint8Array', () => {
    expectBadValue('ay', [1, 2, 3], /expected a Uint8Array, got an array of 3/);
  });

  it('refuses a tuple with the wrong number of members', () => {
    expectBadValue('(uu)', [1], /expected an array of 2 members, got an array of 1/);
    expectBadValue('()', [0]);
    expectBadValue('{sv}', ['k'], /2 members/);
  });

  it('refuses a variant that is not a { type, value } box, or whose type is invalid', () => {
    expectBadValue('v', 5, /expected a variant box/);
    expectBadValue('v', [], /expected a variant box/);
    const err = expectBadValue('v', { type: 'uu', value: [1, 2] }, /"uu" is not a valid GVariant type/);
    expect((err.cause as StoreError).code).toBe('GVARIANT_BAD_TYPE');
    expectBadValue('v', { type: 'u', value: 'x' }, /expected an integer/);
  });

  it('refuses Just(x) of a nested maybe that is not written [x]', () => {
    expectBadValue('mmu', 7, /1-element array/);
    expectBadValue('mmu', [], /1-element array/);
  });

  it('names where in the value the mismatch is', () => {
    const err = expectBadValue('(a{sv}s)', [[['ok', { type: 's', value: 'x' }], ['bad', { type: 'u', value: -1 }]], 's'],
      /at value\[0\]\[1\]\[1\]\["value"\] \(type 'u'\)/);
    expect(err.data.path).toEqual([0, 1, 1, 'value']);
    expect(err.data.type).toBe('(a{sv}s)');
  });

  it('refuses values nested deeper than 128', () => {
    let value: GValue = 1;
    let type = 'u';
    for (let i = 0; i < 200; i++) {
      value = { type, value };
      type = 'v';
    }
    expectBadValue('v', value, /nested deeper than 128/);
  });

  it('refuses an invalid type string with GVARIANT_BAD_TYPE', () => {
    expect(() => serialize('a', [])).toThrow(expect.objectContaining({ code: 'GVARIANT_BAD_TYPE' }));
  });
});

describe('serialize: layout', () => {
  it('pads array elements to their alignment and frames them with 1-byte offsets', () => {
    // a(st): ('a', 1) = 6100 pad 0100000000000000 02 (17 bytes), pad to 24, ('bc', 2) …, then offsets 11 2a
    expect(hex(serialize('a(st)', [['a', 1n], ['bc', 2n]]))).toBe(
      '6100000000000000' + '0100000000000000' + '02' + '00000000000000' +
        '6263000000000000' + '0200000000000000' + '03' + '11' + '29',
    );
  });

  it('writes empty containers as no bytes and an empty maybe as Nothing', () => {
    expect(serialize('as', []).length).toBe(0);
    expect(serialize('a{sv}', []).length).toBe(0);
    expect(serialize('(ay)', [new Uint8Array(0)]).length).toBe(0);
    expect(serialize('ms', null).length).toBe(0);
  });

  it('accepts a parsed type as well as a type string', () => {
    expect(hex(serialize(parseType('(uy)'), [1, 2]))).toBe('0100000002000000');
  });
});
