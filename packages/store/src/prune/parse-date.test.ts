import { describe, expect, it } from 'vitest';
import { parsePruneDate } from './parse-date.js';

describe('parsePruneDate', () => {
  const now = Date.UTC(2024, 0, 31, 12, 0, 0);
  it('reads @EPOCH, ISO 8601 (UTC without a zone) and "N units ago"', () => {
    expect(parsePruneDate('@2200', now)).toBe(2200n);
    expect(parsePruneDate('2024-01-01T00:00:00Z', now)).toBe(1704067200n);
    expect(parsePruneDate('2024-01-01', now)).toBe(1704067200n);
    expect(parsePruneDate('30 days ago', now)).toBe(BigInt(now / 1000 - 30 * 86400));
    expect(parsePruneDate('1 week ago', now)).toBe(BigInt(now / 1000 - 7 * 86400));
    expect(parsePruneDate('2 hours ago', now)).toBe(BigInt(now / 1000 - 7200));
  });
  it('refuses anything else with INVALID_ARGUMENT', () => {
    for (const bad of ['next tuesday', '3 lightyears ago', '2024-13-01', '']) {
      expect(() => parsePruneDate(bad, now)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
