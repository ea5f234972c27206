import { describe, expect, it } from 'vitest';
import { SUMMARY_TYPE, gvariant } from '@osgit/store';
import { parseSummaryDeltas } from './summary-deltas.js';

const box = (type: string, value: gvariant.GValue): gvariant.GVariantBox => ({ type, value });
const summary = (meta: Array<[string, gvariant.GVariantBox]>): Uint8Array => gvariant.serialize(SUMMARY_TYPE, [[], meta]);

describe('parseSummaryDeltas', () => {
  it('reads ostree.static-deltas (name -> superblock SHA-256) and the indexed-deltas flag', () => {
    const digest = new Uint8Array(32).fill(7);
    const r = parseSummaryDeltas(summary([
      ['ostree.summary.indexed-deltas', box('b', true)],
      ['ostree.static-deltas', box('a{sv}', [[`${'1'.repeat(64)}-${'2'.repeat(64)}`, box('ay', digest)]])],
    ]), 'u');
    expect(r.indexed).toBe(true);
    expect([...r.deltas]).toEqual([[`${'1'.repeat(64)}-${'2'.repeat(64)}`, '07'.repeat(32)]]);
  });

  it('a summary without the key names no delta', () => {
    expect(parseSummaryDeltas(summary([]), 'u')).toEqual({ deltas: new Map(), indexed: false });
  });

  it('refuses a digest that is not 32 bytes, and bytes that are not a summary', () => {
    expect(() => parseSummaryDeltas(summary([['ostree.static-deltas', box('a{sv}', [['x', box('ay', new Uint8Array(31))]])]]), 'u'))
      .toThrow(expect.objectContaining({ code: 'BAD_RESPONSE' }));
    expect(() => parseSummaryDeltas(new Uint8Array([1, 2, 3]), 'u')).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE' }));
  });
});
