import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { readRef, updateRef } from './refs.js';
import { branchRef } from './branch-name.js';
import { revParse, type RevParseOptions } from '../inspect/rev-parse.js';

/**
 * Creates branch `name` at revision `start` (`osgit branch NAME START`): BRANCH_EXISTS if it
 * exists, REF_INVALID for a bad name or one under `tags/`. Compare-and-swap against "no such
 * ref", so two creators cannot both win. Logged in the new branch's reflog.
 */
export async function createBranch(repo: Repo, name: string, start: string, opts: RevParseOptions = {}): Promise<{ branch: string; commit: Checksum }> {
  const ref = branchRef(name);
  if (await readRef(repo, ref)) throw exists(name);
  const commit = await revParse(repo, start, opts);
  try {
    await updateRef(repo, { ref, expected: null, value: commit, reason: `branch: Created from ${start}` });
  } catch (err) {
    if (err instanceof StoreError && err.code === 'REF_CONFLICT') throw exists(name);
    throw err;
  }
  return { branch: name, commit };
}

function exists(name: string): StoreError {
  return new StoreError('BRANCH_EXISTS', `a branch named ${name} already exists`, { branch: name });
}
