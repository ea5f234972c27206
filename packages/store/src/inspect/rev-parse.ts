import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { type Checksum, isChecksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { readRef } from '../refs/refs.js';
import { parseRefSpec } from '../refs/ref-name.js';

/** Shortest checksum prefix accepted as a revision. */
const MIN_PREFIX = 4;

/**
 * Resolves a revision to a commit checksum: a full checksum, a ref (`branch` or
 * `remote:branch`), a unique checksum prefix (≥ 4 hex digits), each followed by any of `^`
 * (parent) and `~N` (N-th ancestor). Refs win over prefixes, as in OSTree.
 */
export async function revParse(repo: Repo, rev: string): Promise<Checksum> {
  const m = /^(.*?)((?:\^|~\d*)*)$/.exec(rev.trim());
  const base = m?.[1] ?? '';
  const suffix = m?.[2] ?? '';
  if (base === '') throw new StoreError('REV_INVALID', `invalid revision ${JSON.stringify(rev)}`, { rev });
  let commit = await resolveBase(repo, base, rev);
  let steps = 0;
  for (const op of suffix.match(/\^|~\d*/g) ?? []) steps += op === '^' ? 1 : op === '~' ? 1 : Number(op.slice(1));
  for (let i = 0; i < steps; i++) {
    const c = await repo.readCommit(commit);
    if (!c.parent) {
      throw new StoreError('REV_INVALID', `revision ${rev}: commit ${commit} has no parent`, { rev, commit });
    }
    commit = c.parent;
  }
  return commit;
}

async function resolveBase(repo: Repo, base: string, rev: string): Promise<Checksum> {
  if (isChecksum(base)) {
    if (!(await repo.hasObject(base, 'commit'))) {
      throw new StoreError('REV_INVALID', `commit ${base} is not in the repository`, { rev });
    }
    return base;
  }
  let refError: unknown = null;
  try {
    const ref = parseRefSpec(base);
    const value = await readRef(repo, ref);
    if (value) return value;
  } catch (err) {
    refError = err;
  }
  if (/^[0-9a-f]+$/.test(base) && base.length >= MIN_PREFIX) {
    const found = await commitsWithPrefix(repo, base);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      throw new StoreError('REV_AMBIGUOUS', `revision ${base} is ambiguous: ${found.slice(0, 5).join(', ')}${found.length > 5 ? ', …' : ''}`, { rev, candidates: found });
    }
  }
  // A ref that exists but is damaged (REF_CORRUPT) or unreadable is that error, not an unknown revision.
  if (refError instanceof StoreError && refError.code !== 'REF_INVALID') throw refError;
  if (refError instanceof StoreError && refError.code === 'REF_INVALID') {
    throw new StoreError('REV_INVALID', `invalid revision ${JSON.stringify(rev)}: ${refError.message}`, { rev }, { cause: refError });
  }
  throw new StoreError('REV_INVALID', `unknown revision ${JSON.stringify(rev)}: no such ref or commit`, { rev });
}

async function commitsWithPrefix(repo: Repo, prefix: string): Promise<Checksum[]> {
  const dir = join(repo.path, 'objects', prefix.slice(0, 2));
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const rest = prefix.slice(2);
  return names
    .filter((n) => n.endsWith('.commit') && n.startsWith(rest))
    .map((n) => prefix.slice(0, 2) + n.slice(0, 62));
}
