import type { CommitSummary } from '@osgit/store';

/**
 * A commit block the way `ostree log` / `ostree show` print it (ostree 2022.7, ot-dump.c
 * dump_commit). The differences: a merge commit gets a `Merge:` line naming every parent, and
 * where ostree stops with "Invalid timestamp" (a time outside the years 1-9999), osgit prints
 * the raw seconds.
 */
export function formatCommit(c: CommitSummary): string {
  const lines = [`commit ${c.commit}`];
  if (c.parent) lines.push(`Parent:  ${c.parent}`);
  // A merge (osgit.merge-parents): every parent, first one first, as git's "Merge:" line.
  if (c.parents.length > 1) lines.push(`Merge: ${c.parents.join(' ')}`);
  lines.push(`ContentChecksum:  ${c.contentChecksum}`);
  lines.push(`Date:  ${formatDate(c)}`);
  if (c.version) lines.push(`Version: ${c.version}`);
  if (c.subject) lines.push('', ...indented(c.subject));
  else lines.push('(no subject)');
  if (c.body) lines.push('', ...indented(c.body));
  lines.push('');
  return lines.join('\n');
}

/** GLib's "%Y-%m-%d %H:%M:%S +0000": the year is not zero-padded (year 1 is "1-01-01"). */
function formatDate(c: CommitSummary): string {
  if (!c.date) return `@${c.timestamp} (outside the years 1-9999)`;
  return c.date.replace(/^0+(?=\d)/, '').replace('T', ' ').replace('Z', ' +0000');
}

/** dump_indented_lines: every line, empty ones too, gets four spaces; a final newline adds no line. */
function indented(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => `    ${l}`);
}
