// compareNames is the byte order of the UTF-8 names (strcmp), whatever characters they hold.
import { describe, expect, it } from 'vitest';
import { compareNames } from './filename.js';

const sign = (n: number): number => Math.sign(n);
const bytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('compareNames', () => {
  it('orders like the UTF-8 bytes, across ASCII, accents, U+E000..U+FFFF and characters beyond U+FFFF', () => {
    const alphabet = ['a', 'b', 'A', '.', '-', '~', 'é', 'ÿ', '\u0800', '\ud7ff', '\ue000', '\uffee', '\u{10000}', '\u{1f600}', '\u{10ffff}'];
    const names: string[] = [''];
    for (const x of alphabet) for (const y of alphabet) names.push(x, x + y, `${x}z${y}`);
    for (const a of names) for (const b of names) expect(sign(compareNames(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(sign(bytes(a, b)));
  });
});
