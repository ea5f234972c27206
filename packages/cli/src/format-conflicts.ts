import { isStoreError, type MergeConflict, type SideDescription } from '@osgit/store';

/**
 * Conflicts the way a person reads them: one `CONFLICT (kind): path` line each, then every side
 * that exists there (type, mode, uid:gid, checksum, symlink target, xattr names).
 */
export function formatConflicts(conflicts: readonly MergeConflict[]): string[] {
  const lines: string[] = [];
  for (const c of conflicts) {
    lines.push(`CONFLICT (${c.kind}): ${c.path}`);
    for (const side of ['base', 'ours', 'theirs'] as const) {
      const d = c[side];
      lines.push(`    ${`${side}:`.padEnd(8)}${d ? describeSide(d) : '(absent)'}`);
    }
  }
  return lines;
}

function describeSide(d: SideDescription): string {
  const parts = [d.type, d.mode, `${d.uid}:${d.gid}`, d.checksum.slice(0, 12)];
  if (d.target !== undefined) parts.push(`-> ${d.target}`);
  if (d.xattrs.length > 0) parts.push(`xattrs ${d.xattrs.join(',')}`);
  return parts.join(' ');
}

/** The conflicts a MERGE_CONFLICT error carries, or null for any other error. */
export function conflictsOf(err: unknown): MergeConflict[] | null {
  if (!isStoreError(err, 'MERGE_CONFLICT')) return null;
  const c = err.data.conflicts;
  return Array.isArray(c) ? (c as MergeConflict[]) : null;
}
