import { readMergeState, type MergeConflict, type Worktree, type WorktreeChangeEntry, type WorktreeStatus } from '@osgit/store/worktree';

/** A worktree's status, with the merge, cherry-pick or revert waiting for --continue/--abort, if any. */
export type StatusResult = WorktreeStatus & {
  merge?: { operation: string; rev: string; theirs: string; conflicts: MergeConflict[] };
};

/** worktree.status() plus the unfinished merge state, so status names the conflicting paths. */
export async function statusWithMerge(worktree: Worktree): Promise<StatusResult> {
  const status = await worktree.status();
  const m = readMergeState(worktree.stateDir);
  return m ? { ...status, merge: { operation: m.operation, rev: m.rev, theirs: m.theirs, conflicts: m.conflicts } } : status;
}

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
export function statusLines(r: StatusResult, porcelain: boolean): string[] {
  const lines = r.entries.map(changeLine);
  if (porcelain) return lines;
  const merge = r.merge
    ? [
      `${r.merge.operation} of ${r.merge.rev} (${r.merge.theirs.slice(0, 10)}) in progress: fix the conflicts, then osgit ${r.merge.operation} --continue (or --abort)`,
      'Unmerged paths:',
      ...r.merge.conflicts.map((c) => `  ${`${c.kind}:`.padEnd(16)}${c.path}`),
    ]
    : [];
  return [`On branch ${r.branch} at ${r.head}`, ...merge, ...(lines.length > 0 ? lines : ['nothing to commit, worktree clean'])];
}
