import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { readRef, updateRef } from './refs.js';
import { branchRef } from './branch-name.js';
import { reflogPath } from './reflog.js';
import { fsError } from '../fsio/fs-error.js';
import { worktreesOnBranch, writeState } from '../worktree/state.js';

/**
 * Renames branch `from` to `to` (`osgit branch -m`), keeping its reflog (plus one line for the
 * rename). REF_NOT_FOUND when `from` does not exist, BRANCH_EXISTS when `to` does. Both moves are
 * compare-and-swap: if `from` moved meanwhile, the new name is removed again and REF_CONFLICT.
 * Worktrees working on `from` are moved to `to`.
 */
export async function renameBranch(repo: Repo, from: string, to: string): Promise<{ from: string; to: string; commit: Checksum }> {
  const oldRef = branchRef(from);
  const newRef = branchRef(to);
  const tip = await readRef(repo, oldRef);
  if (!tip) throw new StoreError('REF_NOT_FOUND', `no branch named ${from}`, { branch: from });
  if (from === to) return { from, to, commit: tip };
  if (await readRef(repo, newRef)) throw new StoreError('BRANCH_EXISTS', `a branch named ${to} already exists`, { branch: to });
  // The history travels with the name: copy the log first; deleting the old ref removes its copy.
  const src = reflogPath(repo, oldRef);
  const dst = reflogPath(repo, newRef);
  try {
    await fs.mkdir(dirname(dst), { recursive: true });
    await fs.copyFile(src, dst);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EEXIST') throw fsError(err, { action: 'cannot copy the reflog', path: src });
  }
  try {
    await updateRef(repo, { ref: newRef, expected: null, value: tip, reason: `branch: renamed ${from} to ${to}` });
  } catch (err) {
    await fs.rm(dst, { force: true });
    if (err instanceof StoreError && err.code === 'REF_CONFLICT') {
      throw new StoreError('BRANCH_EXISTS', `a branch named ${to} already exists`, { branch: to }, { cause: err });
    }
    throw err;
  }
  try {
    await updateRef(repo, { ref: oldRef, expected: tip, value: null });
  } catch (err) {
    await updateRef(repo, { ref: newRef, expected: tip, value: null }).catch(() => undefined);
    throw err;
  }
  // Worktrees on the old name follow it, as git moves a worktree's HEAD with its branch.
  for (const { id, state } of worktreesOnBranch(repo, from)) writeState(repo, id, { ...state, branch: to });
  return { from, to, commit: tip };
}
