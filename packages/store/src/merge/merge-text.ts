import { diff3Merge } from 'node-diff3';

/** Which side wins a conflicting hunk (git's `-X ours|theirs`); none = leave markers. */
export type MergeFavor = 'ours' | 'theirs';

/** Git's rule: a NUL byte in the first 8000 bytes makes a file binary (xdiff's buffer_is_binary). */
const BINARY_SNIFF = 8000;
/** Files above this size are merged as binary: a line merge of huge files is slow and rarely useful. */
export const TEXT_MERGE_LIMIT = 8 * 1024 * 1024;

export interface MergeTextOptions {
  /** conflict marker labels, as after `<<<<<<< ` and `>>>>>>> ` */
  oursLabel?: string;
  theirsLabel?: string;
  favor?: MergeFavor;
}

export interface MergeTextResult {
  /** true when some hunk could not be merged (bytes then hold conflict markers) */
  conflict: boolean;
  /** how many conflicting hunks there were (resolved ones included when favor is given) */
  conflicts: number;
  bytes: Buffer;
}

/** True when `bytes` may be merged line by line: no NUL in the first 8000 bytes, under the size limit. */
export function isMergeableText(bytes: Uint8Array): boolean {
  if (bytes.length > TEXT_MERGE_LIMIT) return false;
  return bytes.subarray(0, BINARY_SNIFF).indexOf(0) === -1;
}

/**
 * Three-way line merge of text files (pure): node-diff3 finds the hunks, then each conflicting
 * hunk is narrowed by the lines both sides agree on at its start and end (git's "zealous"
 * refinement, so both sides making the same edit is no conflict), and written with git-style
 * markers, or resolved to one side with `favor`. Bytes are handled as latin1 so any encoding
 * survives unchanged; lines keep their `\n`, so a missing final newline is kept exactly. A side
 * whose last line lacks its newline gets one inside the markers, as git does.
 * `base` is null for an add/add merge (both sides added the file): an empty common ancestor.
 */
export function mergeText(base: Uint8Array | null, ours: Uint8Array, theirs: Uint8Array, opts: MergeTextOptions = {}): MergeTextResult {
  const o = splitLines(ours);
  const b = splitLines(base ?? new Uint8Array(0));
  const t = splitLines(theirs);
  const out: string[] = [];
  let conflicts = 0;
  let unresolved = false;
  for (const region of diff3Merge(o, b, t, { excludeFalseConflicts: true })) {
    if (region.ok) {
      out.push(...region.ok);
      continue;
    }
    const c = region.conflict!;
    const { head, a, b: bb, tail } = trimCommon(c.a, c.b);
    out.push(...head);
    if (a.length === 0 && bb.length === 0) {
      out.push(...tail);
      continue;
    }
    conflicts++;
    if (opts.favor === 'ours') out.push(...a);
    else if (opts.favor === 'theirs') out.push(...bb);
    else {
      unresolved = true;
      out.push(`<<<<<<< ${opts.oursLabel ?? 'ours'}\n`, ...terminated(a), '=======\n', ...terminated(bb), `>>>>>>> ${opts.theirsLabel ?? 'theirs'}\n`);
    }
    out.push(...tail);
  }
  return { conflict: unresolved, conflicts, bytes: Buffer.from(out.join(''), 'latin1') };
}

/** Lines with their `\n` kept; a last line without one stays as it is. */
export function splitLines(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) break;
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** Moves the lines both sides of a conflict share at its start and end out of it. */
function trimCommon(a: string[], b: string[]): { head: string[]; a: string[]; b: string[]; tail: string[] } {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  let j = 0;
  while (j < a.length - i && j < b.length - i && a[a.length - 1 - j] === b[b.length - 1 - j]) j++;
  return { head: a.slice(0, i), a: a.slice(i, a.length - j), b: b.slice(i, b.length - j), tail: a.slice(a.length - j) };
}

/** A conflict side as written between markers: its last line ends with a newline. */
function terminated(lines: string[]): string[] {
  const last = lines[lines.length - 1];
  if (last === undefined || last.endsWith('\n')) return lines;
  return [...lines.slice(0, -1), last + '\n'];
}
