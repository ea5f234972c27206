import type { Checksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import type { Repo } from '../repo/repo.js';
import { readRef, updateRef } from '../refs/refs.js';
import { validateRefName } from '../refs/ref-name.js';
import { worktreesOnBranch } from './state.js';
import type { Worktree } from './worktree.js';

export type ResetMode = 'soft' | 'mixed' | 'hard';

export interface ResetResult {
  branch: string;
  from: Checksum;
  to: Checksum;
  mode: ResetMode;
  /** paths rewritten (--hard) */
  updated: number;
}

/**
 * `reset [--soft|--mixed|--hard] REV` in a worktree: the branch moves to `target` by
 * compare-and-swap from the tip it has now (reflog `reset: moving to REV`) and the worktree's
 * head follows. --soft and --mixed (the same: osgit has no index) keep the files, so status
 * then shows how they differ from `target`; --hard also rewrites the paths that differ (only
 * those), discarding local changes.
 */
export async function resetWorktree(wt: Worktree, target: Checksum, opts: { mode?: ResetMode; rev?: string } = {}): Promise<ResetResult> {
  const mode = opts.mode ?? 'mixed';
  const tip = await wt.branchTip();
  await wt.repo.readCommit(target);
  let updated = 0;
  if (mode === 'hard') updated = (await wt.checkoutCommit(target, { force: true })).updated;
  await updateRef(wt.repo, { ref: { remote: null, name: wt.branch }, expected: tip, value: target, reason: `reset: moving to ${opts.rev ?? target}` });
  if (mode !== 'hard') wt.setState({ head: target });
  return { branch: wt.branch, from: tip, to: target, mode, updated };
}

/**
 * `reset --branch B REV` outside a worktree: moves a branch (a soft reset, compare-and-swap,
 * reflog `reset: moving to REV`). A branch a worktree uses is refused (WORKTREE_EXISTS) unless
 * `force`: reset from inside that worktree instead; forced, the worktree's next commit refuses
 * (REF_CONFLICT) until it is reset onto the new tip.
 */
export async function resetBranch(repo: Repo, branch: string, target: Checksum, opts: { force?: boolean; rev?: string } = {}): Promise<ResetResult> {
  validateRefName(branch);
  const tip = await readRef(repo, { remote: null, name: branch });
  if (!tip) throw new StoreError('REF_NOT_FOUND', `no branch ${branch}`, { ref: branch });
  await repo.readCommit(target);
  if (!opts.force) {
    const [user] = worktreesOnBranch(repo, branch);
    if (user) {
      throw new StoreError('WORKTREE_EXISTS', `branch ${branch} is checked out in the worktree at ${user.state.path}: reset from inside it, or give --force`, { branch, worktree: user.state.path });
    }
  }
  await updateRef(repo, { ref: { remote: null, name: branch }, expected: tip, value: target, reason: `reset: moving to ${opts.rev ?? target}` });
  return { branch, from: tip, to: target, mode: 'soft', updated: 0 };
}
