import { realpathSync } from 'node:fs';
import { StoreError } from '../errors.js';
import { Repo } from '../repo/repo.js';
import { findMarker } from './marker.js';
import { Worktree } from './worktree.js';
import { MARKER_NAME } from './state.js';

/**
 * The worktree holding `dir` (its marker at or above `dir`), with its repository; null when
 * `dir` is in none. A marker naming a repository that cannot be opened is REPO_NOT_FOUND, one
 * the repository does not know (removed, pruned, or copied elsewhere) NOT_A_WORKTREE.
 */
export async function findWorktree(dir: string, repoOverride?: Repo): Promise<{ repo: Repo; worktree: Worktree } | null> {
  const found = findMarker(dir);
  if (!found) return null;
  const markerFile = `${found.root}/${MARKER_NAME}`;
  let repo = repoOverride;
  if (!repo) {
    try {
      repo = await Repo.open(found.marker.repo);
    } catch (cause) {
      throw new StoreError(
        'REPO_NOT_FOUND',
        `the worktree marker ${markerFile} names the repository ${found.marker.repo}, which cannot be opened (${(cause as Error).message}); pass --repo, or remove the marker to use the folder as plain files`,
        { path: markerFile, repo: found.marker.repo },
        { cause },
      );
    }
  }
  const worktree = openWorktree(repo, found.marker.id);
  if (real(worktree.path) !== real(found.root)) {
    throw new StoreError(
      'NOT_A_WORKTREE',
      `${found.root} has the marker of worktree ${found.marker.id}, which the repository has at ${worktree.path} (a copy or a moved folder?)`,
      { path: found.root, id: found.marker.id, registered: worktree.path },
    );
  }
  return { repo, worktree };
}

/** Opens a registered worktree by id; NOT_A_WORKTREE when there is none. */
export function openWorktree(repo: Repo, id: string): Worktree {
  return Worktree.open(repo, id);
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
