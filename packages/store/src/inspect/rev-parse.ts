import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { type Checksum, isChecksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { readRef } from '../refs/refs.js';
import { readReflog } from '../refs/reflog.js';
import { parseRefSpec, formatRef, type RefName } from '../refs/ref-name.js';
import { commitParents } from '../history/commit-parents.js';

/** Shortest checksum prefix accepted as a revision. */
const MIN_PREFIX = 4;

export interface RevParseOptions {
  /**
   * What `HEAD` names: the worktree's branch (or a commit checksum when detached). Without it
   * `HEAD` is REV_INVALID: a repository has no HEAD of its own, only a worktree does.
   */
  head?: string;
}

/**
 * Resolves a revision to a commit checksum, in git's syntax where it overlaps OSTree's:
 * a full checksum, a ref (`branch` or `remote:branch`), a tag (`NAME` when no branch `NAME`
 * exists resolves `tags/NAME`), `HEAD` (opts.head), a unique checksum prefix (≥ 4 hex digits);
 * then optionally `@{N}` (the ref's N-th previous value in its reflog, `@{0}` its current one);
 * then any of `^N` (the N-th parent over OSTree's parent and `osgit.merge-parents`; `^` = `^1`,
 * `^0` the commit itself) and `~N` (the N-th first-parent ancestor; `~` = `~1`).
 * Refs win over prefixes, as in OSTree. Read-only.
 */
export async function revParse(repo: Repo, rev: string, opts: RevParseOptions = {}): Promise<Checksum> {
  const m = /^(.*?)(?:@\{(\d+)\})?((?:\^\d*|~\d*)*)$/.exec(rev.trim());
  const base = m?.[1] ?? '';
  const reflogIndex = m?.[2];
  const suffix = m?.[3] ?? '';
  if (base === '') throw new StoreError('REV_INVALID', `invalid revision ${JSON.stringify(rev)}`, { rev });
  let commit = reflogIndex === undefined ? await resolveBase(repo, base, rev, opts) : await resolveReflog(repo, base, Number(reflogIndex), rev, opts);
  for (const op of suffix.match(/\^\d*|~\d*/g) ?? []) {
    const n = op.length > 1 ? Number(op.slice(1)) : 1;
    if (op[0] === '^') {
      if (n === 0) continue;
      commit = await nthParent(repo, commit, n, rev);
    } else {
      for (let i = 0; i < n; i++) commit = await nthParent(repo, commit, 1, rev);
    }
  }
  return commit;
}

/** The n-th parent (1-based) of `commit`; the commit must be present, its parent need not be (a shallow pull). */
async function nthParent(repo: Repo, commit: Checksum, n: number, rev: string): Promise<Checksum> {
  const c = await repo.readCommit(commit);
  const parents = commitParents(c, commit);
  const parent = parents[n - 1];
  if (!parent) {
    const has = parents.length === 0 ? 'no parent' : `${parents.length} parent${parents.length > 1 ? 's' : ''}`;
    throw new StoreError('REV_INVALID', `revision ${rev}: commit ${commit} has ${has}${parents.length > 0 ? `, no parent ${n}` : ''}`, { rev, commit });
  }
  return parent;
}

/** `REF@{N}`: the value REF had N changes ago (its reflog, newest first); `@{0}` is its current value. */
async function resolveReflog(repo: Repo, base: string, n: number, rev: string, opts: RevParseOptions): Promise<Checksum> {
  const ref = await refOf(repo, base, rev, opts);
  if (n === 0) return resolveBase(repo, base, rev, opts);
  const log = await readReflog(repo, ref);
  const value = n < log.length ? log[n]!.new : n === log.length ? log[n - 1]?.old : undefined;
  if (!value) {
    throw new StoreError('REV_INVALID', `revision ${rev}: the reflog of ${formatRef(ref)} has only ${log.length} entr${log.length === 1 ? 'y' : 'ies'}`, { rev, entries: log.length });
  }
  return value;
}

/** The ref a revision base names, for `@{N}`: a branch, a remote ref, a tag or HEAD's branch. */
async function refOf(repo: Repo, base: string, rev: string, opts: RevParseOptions): Promise<RefName> {
  const name = base === 'HEAD' ? headBranch(rev, opts) : base;
  let ref: RefName;
  try {
    ref = parseRefSpec(name);
  } catch (err) {
    throw new StoreError('REV_INVALID', `invalid revision ${JSON.stringify(rev)}: @{N} follows a ref name`, { rev }, { cause: err });
  }
  if (ref.remote === null && !(await readRef(repo, ref))) {
    const tag = { remote: null, name: `tags/${ref.name}` };
    if (await readRef(repo, tag)) return tag;
  }
  return ref;
}

function headBranch(rev: string, opts: RevParseOptions): string {
  if (opts.head === undefined) {
    throw new StoreError('REV_INVALID', `revision ${rev}: HEAD is only defined inside a worktree (name a branch or commit instead)`, { rev });
  }
  return opts.head;
}

async function resolveBase(repo: Repo, base: string, rev: string, opts: RevParseOptions): Promise<Checksum> {
  if (base === 'HEAD') {
    const head = headBranch(rev, opts);
    if (isChecksum(head)) return head;
    const value = await readRef(repo, { remote: null, name: head });
    if (!value) throw new StoreError('REV_INVALID', `revision ${rev}: HEAD names branch ${head}, which does not exist`, { rev, branch: head });
    return value;
  }
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
    // A name that is not a branch may be a tag (tags are refs under tags/).
    if (ref.remote === null) {
      const tag = await readRef(repo, { remote: null, name: `tags/${ref.name}` });
      if (tag) return tag;
    }
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
