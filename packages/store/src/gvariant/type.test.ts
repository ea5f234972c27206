import { describe, it, expect } from 'vitest';
import { isFixedSize, isSignature, parseType } from './index.js';

describe('parseType', () => {
  it('parses every kind of type and keeps its type string', () => {
    for (const sig of ['y', 'b', 'n', 'q', 'i', 'u', 'x', 't', 'h', 'd', 's', 'o', 'g', 'v', 'ay', 'a{sv}', 'mmu', '()',
      '(a{sv}aya(say)sstayay)', '(a(s(taya{sv}))a{sv})', '{yv}', 'a{o(ss)}']) {
      expect(parseType(sig).sig).toBe(sig);
    }
  });

  it('returns the same parsed object for the same string', () => {
    expect(parseType('(uuua(ayay))')).toBe(parseType('(uuua(ayay))'));
  });

  it('computes alignment and fixed size as the spec lays them out', () => {
    const layout = (sig: string) => [parseType(sig).align, parseType(sig).fixedSize];
    expect(layout('(uy)')).toEqual([4, 8]);
    expect(layout('(yu)')).toEqual([4, 8]);
    expect(layout('(ty)')).toEqual([8, 16]);
    expect(layout('()')).toEqual([1, 1]);
    expect(layout('(()y)')).toEqual([1, 2]);
    expect(layout('{yq}')).toEqual([2, 4]);
    expect(layout('a(uy)')).toEqual([4, 0]);
    expect(layout('mu')).toEqual([4, 0]);
    expect(layout('v')).toEqual([8, 0]);
    expect(layout('(sx)')).toEqual([8, 0]);
  });

  it('says which types are fixed-size', () => {
    expect(isFixedSize(parseType('(uy)'))).toBe(true);
    expect(isFixedSize(parseType('s'))).toBe(false);
    expect(isFixedSize(parseType('my'))).toBe(false);
    expect(isFixedSize(parseType('(ys)'))).toBe(false);
  });

  it('counts the framing offsets of a tuple: variable members except the last one', () => {
    const count = (sig: string) => {
      const t = parseType(sig);
      return t.kind === 'tuple' || t.kind === 'dictEntry' ? t.offsetCount : -1;
    };
    expect(count('(a{sv}aya(say)sstayay)')).toBe(6);
    expect(count('(sy)')).toBe(1);
    expect(count('(ys)')).toBe(0);
    expect(count('{sv}')).toBe(1);
    expect(count('(uuu)')).toBe(0);
  });

  it.each(['', 'z', 'a', 'm', '(', '(u', 'u)', '{sv', '{vs}', '{s}', '{suu}', '{(u)s}', 'uu', '*', '?', 'r', 'a{sv}x', ' u'])(
    'rejects the invalid type string %j',
    (sig) => {
      expect(() => parseType(sig)).toThrow(expect.objectContaining({ code: 'GVARIANT_BAD_TYPE' }));
    },
  );

  it('accepts 128 levels of nesting and rejects 129', () => {
    expect(parseType(`${'a'.repeat(128)}y`).depth).toBe(128);
    expect(() => parseType(`${'a'.repeat(129)}y`)).toThrow(expect.objectContaining({ code: 'GVARIANT_BAD_TYPE' }));
    expect(() => parseType('('.repeat(100_000))).toThrow(expect.objectContaining({ code: 'GVARIANT_BAD_TYPE' }));
  });
});

describe('isSignature', () => {
  it('accepts sequences of complete D-Bus types', () => {
    for (const g of ['', 'u', 'a{sv}', 'ii(su)as', 'h']) expect(isSignature(g)).toBe(true);
  });
  it('rejects maybes and incomplete types', () => {
    for (const g of ['m', 'mu', 'a', '(', '{vs}']) expect(isSignature(g)).toBe(false);
  });
});
