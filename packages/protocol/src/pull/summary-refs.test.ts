import { describe, expect, it } from 'vitest';
import { SUMMARY_TYPE, gvariant } from '@osgit/store';
import { parseRefFile, parseSummaryRefs } from './summary-refs.js';
import { thrownCode } from '../test-support/thrown-code.js';

const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);
const summary = (entries: Array<[string, bigint, Uint8Array]>) =>
  gvariant.serialize(SUMMARY_TYPE, [entries.map(([ref, size, c]) => [ref, [size, c, []]]), []]);

describe('summary refs', () => {
  it('lists each ref with its commit and the commit object size', () => {
    const refs = parseSummaryRefs(summary([['os/main', 1234n, Buffer.from(A, 'hex')], ['other', 7n, Buffer.from(B, 'hex')]]), 'u');
    expect([...refs]).toEqual([['os/main', { commit: A, commitSize: 1234 }], ['other', { commit: B, commitSize: 7 }]]);
  });

  it('refuses what is not a summary, a bad ref name, a short checksum', () => {
    expect(thrownCode(() => parseSummaryRefs(Buffer.from('<html>404</html>'), 'u'))).toBe('BAD_RESPONSE');
    expect(thrownCode(() => parseSummaryRefs(summary([['../x', 1n, Buffer.from(A, 'hex')]]), 'u'))).toBe('BAD_RESPONSE');
    expect(thrownCode(() => parseSummaryRefs(summary([['x', 1n, new Uint8Array(31)]]), 'u'))).toBe('BAD_RESPONSE');
  });

  it('reads a ref file of 64 hex digits, newline or not, and nothing else', () => {
    expect(parseRefFile(Buffer.from(`${A}\n`), 'u')).toBe(A);
    expect(parseRefFile(Buffer.from(A), 'u')).toBe(A);
    expect(thrownCode(() => parseRefFile(Buffer.from(A.toUpperCase()), 'u'))).toBe('BAD_RESPONSE');
    expect(thrownCode(() => parseRefFile(Buffer.from(`${A}x`), 'u'))).toBe('BAD_RESPONSE');
  });
});
