import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { readRef, updateRef } from './refs.js';
import { tagRef, TAG_PREFIX } from './branch-name.js';
import { listBranches, type BranchInfo } from './list-branches.js';
import { revParse, type RevParseOptions } from '../inspect/rev-parse.js';

/**
 * Tags are plain refs under `refs/heads/tags/NAME`: `ostree prune` keeps what they hold and a
 * mirror copies them, while OSTree clients pull them only when asked for by name.
 */

/** Tags `rev` as `name`; BRANCH_EXISTS when the tag exists (unless `force`, which moves it). */
export async function createTag(
  repo: Repo, name: string, rev: string, opts: RevParseOptions & { force?: boolean } = {},
): Promise<{ tag: string; commit: Checksum; previous: Checksum | null }> {
  const ref = tagRef(name);
  const previous = await readRef(repo, ref);
  if (previous && !opts.force) {
    throw new StoreError('BRANCH_EXISTS', `tag ${name} already exists (at ${previous}); use -f to move it`, { tag: name, commit: previous });
  }
  const commit = await revParse(repo, rev, opts);
  await updateRef(repo, { ref, expected: previous, value: commit, reason: previous ? `tag: moved to ${rev}` : `tag: created at ${rev}` });
  return { tag: name, commit, previous };
}

/** Deletes tag `name`; REF_NOT_FOUND when there is none. */
export async function deleteTag(repo: Repo, name: string): Promise<{ tag: string; commit: Checksum }> {
  const ref = tagRef(name);
  const commit = await readRef(repo, ref);
  if (!commit) throw new StoreError('REF_NOT_FOUND', `no tag named ${name}`, { tag: name });
  await updateRef(repo, { ref, expected: commit, value: null });
  return { tag: name, commit };
}

/** Every tag, sorted by name, with the commit's subject and time. */
export async function listTags(repo: Repo): Promise<BranchInfo[]> {
  return listBranches(repo, { prefix: TAG_PREFIX });
}
