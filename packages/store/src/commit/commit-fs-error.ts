import { relative, resolve, isAbsolute } from 'node:path';
import type { Repo } from '../repo/repo.js';
import { fsError } from '../fsio/fs-error.js';

/**
 * Names a file-system failure of a commit by where it happened: inside the repository it is
 * PERMISSION_DENIED or IO about the repository (a read-only repo, a full quota); inside the tree
 * being committed it is COMMIT_INPUT naming the file. Anything else passes through unchanged.
 */
export function commitFsError(err: unknown, repo: Repo, tree: string): unknown {
  const path = (err as NodeJS.ErrnoException | null)?.path;
  if (typeof path === 'string' && !isInside(path, repo.path) && isInside(path, resolve(tree))) {
    return fsError(err, { action: 'cannot read', path, code: 'COMMIT_INPUT', deniedCode: 'COMMIT_INPUT' });
  }
  return fsError(err, { action: 'cannot commit into the repository', path: repo.path });
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
