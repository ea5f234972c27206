import { describe, expect, it } from 'vitest';
import { decideRange, isNotModified, strongEtag } from './conditional.js';

// Expected values are the rules of RFC 9110 §13.1 (preconditions) and §14 (ranges), written out.
const v = { etag: '"a-3a-1"', lastModified: new Date('2020-01-01T00:00:10.700Z') };

describe('strongEtag', () => {
  it('differs when only the inode differs (a ref replaced by rename, same size, same second)', () => {
    const a = strongEtag({ ino: 10n, size: 65, mtimeNs: 1_577_836_800_000_000_000n });
    const b = strongEtag({ ino: 11n, size: 65, mtimeNs: 1_577_836_800_000_000_000n });
    expect(a).toBe('"a-41-15e59a35b98a0000"'); // hex of inode 10, size 65, 1577836800 s in ns
    expect(a).not.toBe(b);
  });
});

describe('isNotModified', () => {
  it('matches If-None-Match against the ETag, weakly, in a list, or *', () => {
    expect(isNotModified({ ifNoneMatch: '"a-3a-1"' }, v)).toBe(true);
    expect(isNotModified({ ifNoneMatch: 'W/"a-3a-1"' }, v)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '"x", "a-3a-1"' }, v)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '*' }, v)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '"x"' }, v)).toBe(false);
  });

  it('ignores If-Modified-Since when If-None-Match is present', () => {
    expect(isNotModified({ ifNoneMatch: '"x"', ifModifiedSince: 'Wed, 01 Jan 2020 00:00:10 GMT' }, v)).toBe(false);
  });

  it('compares If-Modified-Since in whole seconds, and ignores a date it cannot read', () => {
    expect(isNotModified({ ifModifiedSince: 'Wed, 01 Jan 2020 00:00:10 GMT' }, v)).toBe(true);
    expect(isNotModified({ ifModifiedSince: 'Wed, 01 Jan 2020 00:00:09 GMT' }, v)).toBe(false);
    expect(isNotModified({ ifModifiedSince: 'yesterday' }, v)).toBe(false);
  });
});

describe('decideRange', () => {
  const size = 1000;
  it('serves one range of bytes: a-b, a-, -n (clamped to the file)', () => {
    expect(decideRange({ range: 'bytes=0-99' }, size, v)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(decideRange({ range: 'bytes=900-' }, size, v)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(decideRange({ range: 'bytes=-10' }, size, v)).toEqual({ kind: 'partial', start: 990, end: 999 });
    expect(decideRange({ range: 'bytes=-5000' }, size, v)).toEqual({ kind: 'partial', start: 0, end: 999 });
    expect(decideRange({ range: 'bytes=990-5000' }, size, v)).toEqual({ kind: 'partial', start: 990, end: 999 });
  });

  it('is unsatisfiable past the end, for an empty suffix, or on an empty file', () => {
    expect(decideRange({ range: 'bytes=1000-' }, size, v)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange({ range: 'bytes=-0' }, size, v)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange({ range: 'bytes=0-' }, 0, v)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores several ranges, other units, bad syntax and backwards ranges (the whole file)', () => {
    for (const range of ['bytes=0-1,5-6', 'items=0-1', 'bytes=a-b', 'bytes=-', 'bytes=10-5', 'bytes 0-1']) {
      expect(decideRange({ range }, size, v), range).toEqual({ kind: 'full' });
    }
  });

  it('honours If-Range only when it names this version (strong ETag, or the exact date)', () => {
    expect(decideRange({ range: 'bytes=0-9', ifRange: '"a-3a-1"' }, size, v).kind).toBe('partial');
    expect(decideRange({ range: 'bytes=0-9', ifRange: 'W/"a-3a-1"' }, size, v).kind).toBe('full');
    expect(decideRange({ range: 'bytes=0-9', ifRange: '"old"' }, size, v).kind).toBe('full');
    expect(decideRange({ range: 'bytes=0-9', ifRange: 'Wed, 01 Jan 2020 00:00:10 GMT' }, size, v).kind).toBe('partial');
    expect(decideRange({ range: 'bytes=0-9', ifRange: 'Wed, 01 Jan 2020 00:00:09 GMT' }, size, v).kind).toBe('full');
  });
});
