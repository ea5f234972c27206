// Which pushed .commitmeta may replace the server's: only one that adds signatures and changes nothing else.
import { describe, expect, it } from 'vitest';
import { gvariant } from '@osgit/store';
import { onlyAddsSignatures } from './push-commitmeta.js';

const sig = (n: number) => new Uint8Array(64).fill(n);
const meta = (entries: Array<[string, gvariant.GVariantBox]>) => gvariant.serialize('a{sv}', entries);
const ed = (...s: Uint8Array[]): [string, gvariant.GVariantBox] => ['ostree.sign.ed25519', { type: 'aay', value: s }];
const gpg = (...s: Uint8Array[]): [string, gvariant.GVariantBox] => ['ostree.gpgsigs', { type: 'aay', value: s }];
const note = (v: string): [string, gvariant.GVariantBox] => ['note', { type: 's', value: v }];

describe('onlyAddsSignatures', () => {
  it('takes a signature appended to a list, a new signature kind, and the same bytes', () => {
    expect(onlyAddsSignatures(meta([ed(sig(1))]), meta([ed(sig(1), sig(2))]))).toBe(true);
    expect(onlyAddsSignatures(meta([note('x'), ed(sig(1))]), meta([note('x'), ed(sig(1)), gpg(sig(3))]))).toBe(true);
    expect(onlyAddsSignatures(meta([ed(sig(1))]), meta([ed(sig(1))]))).toBe(true);
  });

  it('refuses a dropped or altered signature, edited metadata, a dropped key, and bytes that are not a{sv}', () => {
    expect(onlyAddsSignatures(meta([ed(sig(1), sig(2))]), meta([ed(sig(2))]))).toBe(false);
    expect(onlyAddsSignatures(meta([ed(sig(1))]), meta([ed(sig(9))]))).toBe(false);
    expect(onlyAddsSignatures(meta([note('x'), ed(sig(1))]), meta([note('y'), ed(sig(1))]))).toBe(false);
    expect(onlyAddsSignatures(meta([note('x'), ed(sig(1))]), meta([ed(sig(1), sig(2))]))).toBe(false);
    expect(onlyAddsSignatures(meta([gpg(sig(1))]), meta([['ostree.gpgsigs', { type: 's', value: 'x' }]]))).toBe(false);
    expect(onlyAddsSignatures(meta([ed(sig(1))]), new Uint8Array([1, 2, 3]))).toBe(false);
  });
});
