import { describe, expect, it } from 'vitest';
import { SUMMARY_TYPE, gvariant } from '@osgit/store';
import { isProtocolError } from '../errors.js';
import { age, checkFreshness } from './verify-summary.js';

/** A summary with no refs and the given metadata (`t` values stored big-endian, as ostree writes them). */
function summary(meta: Record<string, number>): Buffer {
  const extra = Object.entries(meta).map(([k, v]) => [k, { type: 't', value: gvariant.bswap64(BigInt(v)) }]);
  return Buffer.from(gvariant.serialize(SUMMARY_TYPE, [[], extra]));
}

const at = { remote: 'origin', url: 'http://x/summary', now: 1_000_000 };

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(isProtocolError(err, 'SUMMARY_STALE')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('not refused');
}

describe('summary freshness (freeze attacks)', () => {
  it('says ages in the largest whole unit', () => {
    expect([age(0), age(1), age(59), age(60), age(7199), age(86400), age(3 * 86400 + 600)]).toEqual([
      '0 seconds', '1 second', '59 seconds', '1 minute', '1 hour', '1 day', '3 days',
    ]);
  });

  it('accepts a summary before its expiry and within the maximum age', () => {
    checkFreshness(summary({ 'ostree.summary.expires': 1_000_001, 'ostree.summary.last-modified': 1_000_000 - 86400 }), { ...at, maxAgeSecs: 86400 });
    checkFreshness(summary({}), at); // no expiry, no maximum: nothing to check
  });

  it('refuses one past ostree.summary.expires', () => {
    expect(refusal(() => checkFreshness(summary({ 'ostree.summary.expires': 1_000_000 - 7200 }), at))).toMatch(/^the summary of remote origin expired 2 hours ago/);
  });

  it('refuses one older than the maximum age, saying how old, and one without last-modified', () => {
    const old = summary({ 'ostree.summary.last-modified': 1_000_000 - 3 * 86400 - 5 });
    expect(refusal(() => checkFreshness(old, { ...at, maxAgeSecs: 86400 }))).toMatch(/^summary is 3 days old, the remote allows 1 day/);
    expect(refusal(() => checkFreshness(summary({}), { ...at, maxAgeSecs: 86400 }))).toContain('no ostree.summary.last-modified');
  });
});
