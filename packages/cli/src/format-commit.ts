import type { CommitSummary } from '@osgit/store';

/** A commit block the way `ostree log` / `ostree show` print it. */
export function formatCommit(c: CommitSummary): string {
  const lines = [`commit ${c.commit}`];
  if (c.parent) lines.push(`Parent:  ${c.parent}`);
  lines.push(`ContentChecksum:  ${c.contentChecksum}`);
  lines.push(`Date:  ${c.date.replace('T', ' ').replace('Z', ' +0000')}`);
  if (c.version) lines.push(`Version: ${c.version}`);
  lines.push('');
  if (c.subject) lines.push(`    ${c.subject}`, '');
  if (c.body) {
    for (const l of c.body.split('\n')) lines.push(l ? `    ${l}` : '');
    lines.push('');
  }
  return lines.join('\n');
}
