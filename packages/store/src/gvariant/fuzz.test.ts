// Property tests with a fixed seed: random values round-trip, and random or mutated bytes either read as
// a value that re-serializes to exactly those bytes (normal form) or fail with GVARIANT_NOT_NORMAL.
import { describe, it, expect } from 'vitest';
import { makePrng } from '../../../../test/helpers/prng.js';
import { StoreError } from '../errors.js';
import { deserialize, parseType, serialize, type GValue, type GVType } from './index.js';

const FIXED_TYPES = [
  'y', 'b', 'n', 'q', 'i', 'u', 'x', 't', 'h', 'd', 's', 'o', 'g', 'v', 'ay', 'as', 'aay', 'au', 'at', 'mu', 'ms', 'mmu',
  'mms', 'mas', 'amx', 'av', 'aav', '()', 'a()', '(())', '(uy)', '(yu)', '(ty)', '(sy)', '(ss)', '(ays)', '(yv)', '(ayay)',
  'a{sv}', 'a{yy}', 'a{ss}', '{sv}', 'a(su)', 'a(say)', 'a(sayay)', '(a(say)a(sayay))', '(uuua(ayay))', '(uuuusa(ayay))',
  '(tuuuusa(ayay))', '(a{sv}aya(say)sstayay)', '(a(s(taya{sv}))a{sv})', '(uayttay)', '(yaytt)', '(a(uuu)aa(ayay)ayay)',
  '(taya{sv})', 'maa{sv}', '(mumsmv)', 'a(yyy)', '((yy)s(uy))',
];
const BASIC = 'ybnqiuxthdsog';
const SIGNATURES = ['', 'a{sv}', 'ii', '(su)as', 'v', 'a(say)'];
const PATHS = ['/', '/a', '/org/gnome/x_1'];
const CHARS = ['a', 'Z', '0', '/', '.', ' ', 'é', 'ß', '€', '😀', '\uFEFF', '\u{10FFFF}'];

function randomType(r: () => number, depth = 0): string {
  const k = r();
  if (depth > 3 || k < 0.45) return BASIC[Math.floor(r() * BASIC.length)]!;
  if (k < 0.55) return 'v';
  if (k < 0.7) return `a${randomType(r, depth + 1)}`;
  if (k < 0.78) return `m${randomType(r, depth + 1)}`;
  if (k < 0.86) return `a{${BASIC[Math.floor(r() * BASIC.length)]!}${randomType(r, depth + 1)}}`;
  const n = Math.floor(r() * 4);
  let s = '(';
  for (let i = 0; i < n; i++) s += randomType(r, depth + 1);
  return `${s})`;
}

function randomValue(r: () => number, t: GVType, depth = 0): GValue {
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const count = (): number => (depth > 4 ? 0 : Math.floor(r() * r() * 6));
  switch (t.kind) {
    case 'basic':
      switch (t.code) {
        case 'y': return int(0, 255);
        case 'b': return r() < 0.5;
        case 'n': return int(-0x8000, 0x7fff);
        case 'q': return int(0, 0xffff);
        case 'i': case 'h': return int(-0x80000000, 0x7fffffff);
        case 'u': return int(0, 0xffffffff);
        case 'x': return BigInt.asIntN(64, BigInt(int(0, 0xffffffff)) * 0x100000001n);
        case 't': return BigInt(int(0, 0xffffffff)) << BigInt(int(0, 32));
        case 'd': return (r() - 0.5) * 10 ** int(-5, 5);
        case 's': return Array.from({ length: Math.floor(r() * r() * 300) }, () => CHARS[int(0, CHARS.length - 1)]).join('');
        case 'o': return PATHS[int(0, PATHS.length - 1)]!;
        case 'g': return SIGNATURES[int(0, SIGNATURES.length - 1)]!;
      }
      break;
    case 'variant': {
      const inner = parseType(depth > 3 ? 'u' : randomType(r));
      return { type: inner.sig, value: randomValue(r, inner, depth + 1) };
    }
    case 'maybe': {
      if (r() < 0.3) return null;
      const just = randomValue(r, t.elem, depth + 1);
      return t.elem.kind === 'maybe' ? [just] : just;
    }
    case 'array': {
      const items = Array.from({ length: count() }, () => randomValue(r, t.elem, depth + 1));
      return t.elem.kind === 'basic' && t.elem.code === 'y' ? Uint8Array.from(items as number[]) : items;
    }
    case 'tuple':
    case 'dictEntry':
      return t.members.map((m) => randomValue(r, m, depth + 1));
  }
}

function mutate(r: () => number, src: Uint8Array): Uint8Array {
  let b = Array.from(src);
  const rounds = 1 + Math.floor(r() * 3);
  for (let k = 0; k < rounds; k++) {
    const at = Math.floor(r() * (b.length + 1));
    const byte = r() < 0.3 ? 0 : r() < 0.5 ? 0xff : Math.floor(r() * 256);
    switch (Math.floor(r() * 6)) {
      case 0: if (b.length) b[Math.min(at, b.length - 1)] = byte; break;
      case 1: if (b.length) b[Math.min(at, b.length - 1)]! ^= 1 << Math.floor(r() * 8); break;
      case 2: b = b.slice(0, at); break;
      case 3: b.splice(at, 0, byte); break;
      case 4: b.splice(at, 1); break;
      case 5: b = b.slice(at); break;
    }
  }
  return Uint8Array.from(b);
}

function hasNaN(v: GValue): boolean {
  if (typeof v === 'number') return Number.isNaN(v);
  if (Array.isArray(v)) return v.some(hasNaN);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) return hasNaN(v.value);
  return false;
}

/** Reads `bytes`; a read value must re-serialize to `bytes` exactly. Returns whether it was accepted. */
function readStrictly(type: string, bytes: Uint8Array): boolean {
  let value: GValue;
  try {
    value = deserialize(type, bytes);
  } catch (err) {
    if (!(err instanceof StoreError) || err.code !== 'GVARIANT_NOT_NORMAL') {
      throw new Error(`'${type}' ${Buffer.from(bytes).toString('hex')}: unexpected ${String(err)}`, { cause: err });
    }
    return false;
  }
  const again = serialize(type, value);
  // NaN payloads are not kept by JS numbers, so such bytes cannot come back identical.
  if (!hasNaN(value) && Buffer.compare(again, bytes) !== 0) {
    throw new Error(`'${type}' accepted non-normal ${Buffer.from(bytes).toString('hex')} (normal: ${Buffer.from(again).toString('hex')})`);
  }
  return true;
}

describe('fuzzing the codec (fixed seed)', () => {
  it('round-trips random values of random types', () => {
    const r = makePrng(1).next;
    for (let i = 0; i < 3000; i++) {
      const t = parseType(i % 2 ? randomType(r) : FIXED_TYPES[i % FIXED_TYPES.length]!);
      const value = randomValue(r, t);
      const encoded = serialize(t, value);
      expect(deserialize(t, encoded)).toEqual(value);
    }
  });

  it('never accepts non-normal bytes and never fails other than with GVARIANT_NOT_NORMAL', () => {
    const r = makePrng(20240601).next;
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 20000; i++) {
      const type = r() < 0.7 ? FIXED_TYPES[Math.floor(r() * FIXED_TYPES.length)]! : randomType(r);
      let bytes: Uint8Array;
      if (r() < 0.2) {
        bytes = Uint8Array.from({ length: Math.floor(r() * 48) }, () => (r() < 0.4 ? 0 : Math.floor(r() * 256)));
      } else {
        const valid = serialize(type, randomValue(r, parseType(type)));
        bytes = r() < 0.05 ? valid : mutate(r, valid);
      }
      if (readStrictly(type, bytes)) accepted++;
      else rejected++;
    }
    // Both outcomes must actually be exercised.
    expect(accepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });
});
