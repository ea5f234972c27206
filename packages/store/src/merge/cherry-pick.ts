import type { Repo } from '../repo/repo.js';
import { type PickCommitOptions, type PickCommitResult, pickCommit } from './pick-commit.js';

/**
 * `osgit cherry-pick --into BRANCH REV`: applies the change REV made (against its parent, or
 * its -m N parent for a merge) as a new commit on BRANCH, keeping REV's subject and body with
 * `(cherry picked from commit REV)` appended, as `git cherry-pick -x`. See pickCommit.
 */
export function cherryPick(repo: Repo, opts: PickCommitOptions): Promise<PickCommitResult> {
  return pickCommit(repo, 'pick', opts);
}
