import type { WorktreeChangeEntry, WorktreeStatus } from '@osgit/store/worktree';

/**
 * One line per path: four columns, then the path ('/' after a folder, as `osgit diff`):
 * A added, D removed, M modified, T type changed (file, symlink, folder); then p (permissions),
 * o (owner), x (xattrs) when those changed.
 */
export function changeLine(e: WorktreeChangeEntry): string {
  const has = (c: WorktreeChangeEntry['changes'][number]): boolean => e.changes.includes(c);
  const first = has('added') ? 'A' : has('removed') ? 'D' : has('type-changed') ? 'T' : has('modified') ? 'M' : ' ';
  const flags = `${first}${has('mode-changed') ? 'p' : ' '}${has('owner-changed') ? 'o' : ' '}${has('xattrs-changed') ? 'x' : ' '}`;
  return `${flags} ${e.path}${e.type === 'dir' && e.path !== '/' ? '/' : ''}`;
}

/** The status as people read it: a branch line, then the changed paths (or that there are none). */
export function statusLines(r: WorktreeStatus, porcelain: boolean): string[] {
  const lines = r.entries.map(changeLine);
  if (porcelain) return lines;
  return [`On branch ${r.branch} at ${r.head}`, ...(lines.length > 0 ? lines : ['nothing to commit, worktree clean'])];
}
