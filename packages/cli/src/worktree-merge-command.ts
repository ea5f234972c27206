import { abortMerge, continueMerge, mergeInWorktree, StoreError, type WorktreeMergeOptions, type WorktreeMergeResult } from '@osgit/store';
import { requireWorktree } from './worktree-context.js';
import { formatConflicts } from './format-conflicts.js';

/** What `merge`, `cherry-pick` and `revert` do inside a worktree (no --into): start, --continue or --abort. */
export async function runInWorktree(
  flagRepo: string | undefined,
  action: { continue: boolean; abort: boolean },
  opts: WorktreeMergeOptions | null,
): Promise<WorktreeMergeResult> {
  const name = opts?.operation ?? 'merge';
  const { worktree } = await requireWorktree(flagRepo, `${name} without --into`);
  if (action.continue) return continueMerge(worktree);
  if (action.abort) return abortMerge(worktree);
  if (!opts) throw new StoreError('INVALID_ARGUMENT', `give the revision to ${name}`);
  return mergeInWorktree(worktree, opts);
}

/**
 * A worktree operation stopped by conflicts: the lines that list them, and the error that makes
 * the command exit 5 (the files hold the markers; the state waits for --continue or --abort).
 */
export function conflictsStop(r: WorktreeMergeResult): StoreError {
  return new StoreError(
    'MERGE_CONFLICT',
    `${r.operation} of ${r.theirs.slice(0, 10)} stopped on ${new Set(r.conflicts.map((c) => c.path)).size} conflicting path(s): fix them in the worktree, then osgit ${r.operation} --continue (or --abort)`,
    { conflicts: r.conflicts, branch: r.branch, inWorktree: true },
  );
}

export function worktreeResultLines(r: WorktreeMergeResult): string[] {
  switch (r.kind) {
    case 'up-to-date':
      return [`Already up to date: ${r.branch} contains ${r.theirs}`, r.head];
    case 'aborted':
      return [`${r.operation} of ${r.theirs.slice(0, 10)} aborted: the files are back at ${r.head.slice(0, 10)}`, r.head];
    case 'fast-forward':
      return [`Fast-forward ${r.branch}: ${r.old.slice(0, 10)}..${r.head.slice(0, 10)}`, r.head];
    case 'committed':
      return [`${r.operation} committed on ${r.branch}: ${r.old.slice(0, 10)}..${r.head.slice(0, 10)}`, r.head];
    case 'conflicts':
      return formatConflicts(r.conflicts);
  }
}
