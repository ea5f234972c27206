import type { Checksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import type { Repo } from '../repo/repo.js';
import { readRef } from '../refs/refs.js';
import { createBranch } from '../refs/create-branch.js';
import { validateRefName } from '../refs/ref-name.js';
import { worktreesOnBranch } from './state.js';
import type { Worktree, CheckoutCommitResult } from './worktree.js';

export interface SwitchOptions {
  /** create the branch (`switch -c NEW [START]`) at `start` (default: the worktree's head) */
  create?: boolean;
  start?: Checksum;
}

export interface SwitchResult extends CheckoutCommitResult {
  from: string;
  branch: string;
  created: boolean;
}

/**
 * Moves a worktree to another branch (one worktree per branch: WORKTREE_EXISTS otherwise),
 * writing only the paths that differ between the two tips and carrying uncommitted changes
 * over when the paths they touch are the same in both; otherwise LOCAL_CHANGES naming them and
 * nothing changes (a branch `-c` would create is not created either).
 */
export async function switchBranch(wt: Worktree, branch: string, opts: SwitchOptions = {}): Promise<SwitchResult> {
  await wt.branchTip();
  validateRefName(branch);
  const from = wt.branch;
  if (branch === from && !opts.create) {
    return { from, branch, created: false, head: wt.head, updated: 0, carried: await wt.localChanges() };
  }
  checkNotCheckedOut(wt.repo, branch, wt.id);
  let target: Checksum;
  if (opts.create) {
    if (await readRef(wt.repo, { remote: null, name: branch })) {
      throw new StoreError('BRANCH_EXISTS', `a branch named ${branch} already exists (osgit switch ${branch} moves to it)`, { branch });
    }
    target = opts.start ?? wt.head;
    // Refuse before the branch exists: a refused switch leaves no trace.
    await wt.checkWritable(target);
    await createBranch(wt.repo, branch, target);
  } else {
    const tip = await readRef(wt.repo, { remote: null, name: branch });
    if (!tip) throw new StoreError('REF_NOT_FOUND', `no branch ${branch} (osgit switch -c ${branch} creates it)`, { ref: branch });
    target = tip;
  }
  const r = await wt.checkoutCommit(target, { branch });
  return { from, branch, created: opts.create === true, ...r };
}

function checkNotCheckedOut(repo: Repo, branch: string, self: string): void {
  const [user] = worktreesOnBranch(repo, branch, self);
  if (user) {
    throw new StoreError('WORKTREE_EXISTS', `branch ${branch} is checked out in the worktree at ${user.state.path}; one worktree per branch`, { branch, worktree: user.state.path });
  }
}
