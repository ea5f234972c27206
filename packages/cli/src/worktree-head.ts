import { findWorktree, type Repo, type RevParseOptions } from '@osgit/store';

/**
 * What HEAD means for a command run in the current folder: the branch of the worktree holding it
 * (when that worktree belongs to `repo`), else nothing, and revParse says HEAD needs a worktree.
 * A broken marker is not this command's business: HEAD is then simply undefined.
 */
export async function headOptions(repo: Repo): Promise<RevParseOptions & { branch?: string }> {
  try {
    const found = await findWorktree(process.cwd(), repo);
    if (found && found.repo.path === repo.path) return { head: found.worktree.branch, branch: found.worktree.branch };
  } catch {
    /* not a usable worktree: no HEAD */
  }
  return {};
}
