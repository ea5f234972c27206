import type { Repo } from '../repo/repo.js';
import { type PickCommitOptions, type PickCommitResult, pickCommit } from './pick-commit.js';

/**
 * `osgit revert --into BRANCH REV`: undoes the change REV made as a new commit on BRANCH,
 * `Revert "SUBJECT"` with `This reverts commit REV.`, as `git revert`. See pickCommit.
 */
export function revert(repo: Repo, opts: PickCommitOptions): Promise<PickCommitResult> {
  return pickCommit(repo, 'revert', opts);
}
