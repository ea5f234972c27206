/**
 * HTTP validators, conditional requests and byte ranges for static files (RFC 9110 §8.8, §13,
 * §14), as pure functions over header values, so the routes stay thin and these are tested alone.
 */

export interface Validators {
  etag: string;
  /** Last modification, whole seconds (HTTP dates have no finer resolution). */
  lastModified: Date;
}

/**
 * A strong ETag from the file's inode, size and nanosecond mtime. Every writer of refs and
 * summaries replaces the file by a rename, so a new version has a new inode even when it has
 * the same size and lands within the same second (a ref is always 65 bytes): nginx's
 * "mtime-size" ETag would call two different refs equal, this one does not.
 */
export function strongEtag(file: { ino: bigint; size: number; mtimeNs: bigint }): string {
  return `"${file.ino.toString(16)}-${file.size.toString(16)}-${file.mtimeNs.toString(16)}"`;
}

/** The entity tags of an If-None-Match / If-Match header: `*`, or the listed tags (with any `W/`). */
function parseEtagList(header: string): '*' | string[] {
  if (header.trim() === '*') return '*';
  return header.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

const weakEqual = (a: string, b: string) => a.replace(/^W\//, '') === b.replace(/^W\//, '');

/**
 * True when a GET/HEAD is answered 304 Not Modified: If-None-Match (weak comparison) decides when
 * present; otherwise If-Modified-Since (ignored when it is not a valid date).
 */
export function isNotModified(headers: { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined }, v: Validators): boolean {
  if (headers.ifNoneMatch !== undefined) {
    const tags = parseEtagList(headers.ifNoneMatch);
    return tags === '*' || tags.some((t) => weakEqual(t, v.etag));
  }
  if (headers.ifModifiedSince !== undefined) {
    const since = Date.parse(headers.ifModifiedSince);
    if (Number.isNaN(since)) return false;
    return Math.floor(v.lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * What a Range header asks of a file of `size` bytes. One range of bytes (`a-b`, `a-`, `-n`) is
 * served as 206; several ranges, another unit or bad syntax are ignored (the whole file, as RFC
 * 9110 §14.2 allows); a range starting past the end is 416. If-Range that does not match the
 * current version (strong ETag or exact date) means the whole file.
 */
export function decideRange(headers: { range?: string | undefined; ifRange?: string | undefined }, size: number, v: Validators): RangeDecision {
  if (headers.range === undefined) return { kind: 'full' };
  if (headers.ifRange !== undefined && !ifRangeMatches(headers.ifRange, v)) return { kind: 'full' };
  const m = /^bytes=\s*(\d*)-(\d*)\s*$/.exec(headers.range);
  if (!m) return { kind: 'full' };
  const [, first, last] = m;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return { kind: 'full' }; // invalid range-spec: ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

function ifRangeMatches(ifRange: string, v: Validators): boolean {
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === v.etag; // strong comparison
  if (value.startsWith('W/')) return false;
  const date = Date.parse(value);
  return !Number.isNaN(date) && Math.floor(date / 1000) === Math.floor(v.lastModified.getTime() / 1000);
}
