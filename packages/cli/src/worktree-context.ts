import { findWorktree, Repo, StoreError, type Worktree } from '@osgit/store/worktree';

/**
 * The worktree holding the current folder, and its repository (`--repo` wins over the one the
 * marker names). NOT_A_WORKTREE when the folder is in none.
 */
export async function requireWorktree(flagRepo: string | undefined, what: string): Promise<{ repo: Repo; worktree: Worktree }> {
  const repo = flagRepo ? await Repo.discover(flagRepo) : undefined;
  const found = await findWorktree(process.cwd(), repo);
  if (!found) {
    throw new StoreError('NOT_A_WORKTREE', `${what} needs a worktree: ${process.cwd()} is not in one (osgit worktree add DIR BRANCH makes one)`, { path: process.cwd() });
  }
  return found;
}
