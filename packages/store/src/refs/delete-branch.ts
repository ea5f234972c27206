import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { listRefs, readRef, updateRef } from './refs.js';
import { branchRef } from './branch-name.js';
import { walkCommits } from '../history/walk-commits.js';
import { listWorktrees } from '../worktree/list.js';

export interface DeleteBranchResult {
  branch: string;
  /** the commit it pointed at (`osgit branch NAME COMMIT` brings it back) */
  commit: Checksum;
  /** commits no other local branch or tag holds (lost to `prune` unless something else keeps them) */
  unmerged: number;
}

/**
 * Deletes branch `name` (`osgit branch -d`) and its reflog. Refuses with BRANCH_NOT_MERGED when
 * its tip is not reachable from any other local branch or tag, saying how many commits would be
 * lost, unless `force`; WORKTREE_EXISTS when a worktree works on it (even with `force`, as git).
 * REF_NOT_FOUND when there is no such branch; compare-and-swap against the
 * tip that was checked (REF_CONFLICT if it moved meanwhile).
 */
export async function deleteBranch(repo: Repo, name: string, opts: { force?: boolean } = {}): Promise<DeleteBranchResult> {
  const ref = branchRef(name);
  const tip = await readRef(repo, ref);
  if (!tip) throw new StoreError('REF_NOT_FOUND', `no branch named ${name}`, { branch: name });
  // As git: a branch a worktree works on is not deleted, even by force (its next commit would fail).
  const user = (await listWorktrees(repo)).find((w) => w.branch === name);
  if (user) {
    throw new StoreError('WORKTREE_EXISTS', `branch ${name} is checked out in the worktree at ${user.path}: switch that worktree to another branch or remove it first`, { branch: name, worktree: user.path });
  }
  const unmerged = await unmergedCount(repo, name, tip);
  if (unmerged > 0 && !opts.force) {
    throw new StoreError(
      'BRANCH_NOT_MERGED',
      `branch ${name} is not merged: deleting it would lose ${unmerged} commit${unmerged === 1 ? '' : 's'} that no other branch or tag holds; use --force (-D) to delete it anyway`,
      { branch: name, commit: tip, unmerged },
    );
  }
  await updateRef(repo, { ref, expected: tip, value: null, reason: 'branch: deleted' });
  return { branch: name, commit: tip, unmerged };
}

/** Commits reachable from `tip` and from no other local ref (branches and tags). */
async function unmergedCount(repo: Repo, name: string, tip: Checksum): Promise<number> {
  const others = (await listRefs(repo)).filter((r) => r.ref.name !== name).map((r) => r.commit);
  let n = 0;
  for await (const node of walkCommits(repo, [tip], { exclude: others })) {
    void node;
    n++;
  }
  return n;
}
