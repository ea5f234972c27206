// Which refs a --protect prefix covers: whole path segments, as token ref prefixes.
import { describe, expect, it } from 'vitest';
import { isStoreError } from '@osgit/store';
import { isProtectedRef, protectedPrefixes } from './push-protected.js';

describe('protected ref prefixes', () => {
  it('cover the ref itself and the refs below it, not names that merely start the same', () => {
    const prefixes = protectedPrefixes(['os/', 'release/x86_64']);
    expect(prefixes).toEqual(['os', 'release/x86_64']);
    expect(isProtectedRef('os', prefixes)).toBe(true);
    expect(isProtectedRef('os/stable', prefixes)).toBe(true);
    expect(isProtectedRef('os/x86_64/stable', prefixes)).toBe(true);
    expect(isProtectedRef('osx/stable', prefixes)).toBe(false);
    expect(isProtectedRef('release/x86_64', prefixes)).toBe(true);
    expect(isProtectedRef('release/x86_64-old', prefixes)).toBe(false);
    expect(isProtectedRef('release/aarch64', prefixes)).toBe(false);
  });

  it('refuses a prefix that is not a ref name', () => {
    for (const bad of ['', '/', '../x', 'a b', 'os//x']) {
      let err: unknown;
      try {
        protectedPrefixes([bad]);
      } catch (e) {
        err = e;
      }
      expect(isStoreError(err), `prefix ${JSON.stringify(bad)}`).toBe(true);
    }
  });
});
