import { describe, expect, it } from 'vitest';
import { deltaDir, deltaIndexPath, modifiedBase64, parseDeltaName } from './delta-layout.js';

// reference/ostree-formats.md §7: the folder ostree 2022.7 wrote for a FROM-TO delta.
const REF_FROM_B64 = 'k28SIS5ZKHZ7N5PbDIDVXc9JdvAJeRmbS5pKDrR4oK8';
const REF_TO_B64 = 'Ev8NEOBLhaJJGnBDBVbHXKteEkSFWO9S661Qg7al8B8';
const hexOf = (b64: string): string => Buffer.from(b64.replace(/_/g, '/'), 'base64').toString('hex');

describe('static delta paths', () => {
  it('names a FROM-TO delta folder as ostree does', () => {
    const name = `${hexOf(REF_FROM_B64)}-${hexOf(REF_TO_B64)}`;
    expect(deltaDir(name, 'u')).toBe(`deltas/k2/8SIS5ZKHZ7N5PbDIDVXc9JdvAJeRmbS5pKDrR4oK8-${REF_TO_B64}`);
  });

  it('names a delta from nothing by its TO, split 2 + 41', () => {
    expect(deltaDir(hexOf(REF_TO_B64), 'u')).toBe('deltas/Ev/8NEOBLhaJJGnBDBVbHXKteEkSFWO9S661Qg7al8B8');
    expect(deltaIndexPath(hexOf(REF_TO_B64))).toBe('delta-indexes/Ev/8NEOBLhaJJGnBDBVbHXKteEkSFWO9S661Qg7al8B8.index');
  });

  it('writes "/" of base64 as "_" and drops the padding', () => {
    expect(modifiedBase64('ff'.repeat(32))).toBe('__________________________________________8');
  });

  it('refuses a name that is not hex FROM-TO or TO', () => {
    for (const bad of ['', 'abc', `${'a'.repeat(64)}-`, `${'A'.repeat(64)}`, `${'a'.repeat(64)}-${'b'.repeat(64)}-${'c'.repeat(64)}`, '../../etc']) {
      expect(() => parseDeltaName(bad, 'http://x/summary')).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE' }));
    }
  });
});
