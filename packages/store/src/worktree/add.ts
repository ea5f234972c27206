import { lstatSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Checksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import type { Repo } from '../repo/repo.js';
import { listRefs, readRef } from '../refs/refs.js';
import { createBranch } from '../refs/create-branch.js';
import { validateRefName } from '../refs/ref-name.js';
import { checkout } from '../checkout/checkout.js';
import { FileWriter } from '../checkout/file-writer.js';
import { MARKER_NAME, listStateIds, stateDirOf, writeState, exists, worktreesOnBranch } from './state.js';
import { treeEntries } from './head-tree.js';
import { saveStatCache, stampOf, type CacheRecord } from './stat-cache.js';
import { Worktree } from './worktree.js';

export interface AddWorktreeOptions {
  /** folder to create (or an empty one) */
  dir: string;
  /** existing branch to link (default: the repository's only branch) */
  branch?: string;
  /** create this branch at `start` and link it */
  newBranch?: string;
  /** commit the new branch starts at (needed with newBranch) */
  start?: Checksum;
  /** check out without ownership/xattrs (default: when not root) */
  userMode?: boolean;
  onProgress?: (p: { files: number; dirs: number }) => void;
}

/**
 * Makes a worktree: checks the branch's tip out into `dir` by copying (never hardlinking: the
 * files are meant to be edited), writes the marker and the state, and stamps the stat cache
 * with the checksums just written. One worktree per branch (WORKTREE_EXISTS otherwise).
 */
export async function addWorktree(repo: Repo, opts: AddWorktreeOptions): Promise<Worktree> {
  const dir = resolve(opts.dir);
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (st && !(st.isDirectory() && readdirSync(dir).length === 0)) {
    throw new StoreError('CHECKOUT_EXISTS', `${dir} already exists and is not an empty folder; give a new or empty folder`, { path: dir });
  }
  const branch = opts.newBranch ?? opts.branch ?? (await onlyBranch(repo));
  validateRefName(branch);
  checkBranchFree(repo, branch);
  let head: Checksum;
  if (opts.newBranch) {
    if (!opts.start) throw new StoreError('INVALID_ARGUMENT', `a new branch ${branch} needs a start commit`, { branch });
    head = (await createBranch(repo, branch, opts.start)).commit;
  } else {
    const tip = await readRef(repo, { remote: null, name: branch });
    if (!tip) throw new StoreError('REF_NOT_FOUND', `no branch ${branch} in ${repo.path}`, { ref: branch });
    head = tip;
  }
  const id = newId(repo, dir);
  const userMode = opts.userMode ?? process.getuid?.() !== 0;
  const state = { path: dir, branch, head, userMode };
  writeState(repo, id, state);
  try {
    await checkout(repo, { commit: head, destination: dir, userMode, union: st !== undefined, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    // A union checkout keeps an existing folder as it is: give it the root's metadata.
    if (st) new FileWriter(repo, { hardlinks: false, union: true, userMode, umask: 0 }).applyDirMeta(dir, repo.readDirMetaSync(repo.readCommitSync(head).rootMeta));
    writeFileSync(`${dir}/${MARKER_NAME}`, `${JSON.stringify({ repo: repo.path, id })}\n`, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    rmSync(stateDirOf(repo, id), { recursive: true, force: true });
    if (!st) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  stampCheckout(repo, id, dir, head);
  return Worktree.open(repo, id);
}

/**
 * The stat cache of a fresh checkout: each path's lstat with the checksum that was just written
 * there (as git stamps its index after a checkout). A path whose kind differs is left unstamped.
 */
function stampCheckout(repo: Repo, id: string, dir: string, head: Checksum): void {
  const tree = treeEntries(repo, head);
  const records: CacheRecord[] = [];
  for (const [rel, e] of tree) {
    const s = lstatSync(rel === '' ? dir : `${dir}/${rel}`, { throwIfNoEntry: false });
    const ok = s !== undefined && s.isDirectory() === e.isDir;
    records.push({ rel, head: e.sum, ...(e.isDir ? { headIsDir: true } : {}), ...(e.tree ? { headTree: e.tree } : {}), ...(ok ? { disk: stampOf(s, e.sum) } : {}) });
  }
  try {
    saveStatCache(stateDirOf(repo, id), head, records);
  } catch {
    /* an optimisation: the first status hashes everything instead */
  }
}

async function onlyBranch(repo: Repo): Promise<string> {
  const names = (await listRefs(repo)).map((r) => r.ref.name).filter((n) => !n.startsWith('tags/'));
  if (names.length === 1) return names[0]!;
  throw new StoreError(
    'INVALID_ARGUMENT',
    names.length === 0 ? `the repository has no branch: commit one first, or give -b NEW START` : `the repository has ${names.length} branches: name the one to check out (osgit worktree add DIR BRANCH)`,
    { branches: names },
  );
}

function checkBranchFree(repo: Repo, branch: string): void {
  const [user] = worktreesOnBranch(repo, branch);
  if (!user) return;
  const s = user.state;
  const gone = !exists(s.path);
  throw new StoreError(
    'WORKTREE_EXISTS',
    `branch ${branch} is already checked out in the worktree at ${s.path}${gone ? ' (its folder is gone: osgit worktree prune drops it)' : ''}; one worktree per branch`,
    { branch, worktree: s.path },
  );
}

/** The folder's name, made safe, with a number added if a worktree already has it (as git). */
function newId(repo: Repo, dir: string): string {
  const base = basename(dir).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'worktree';
  const taken = new Set(listStateIds(repo));
  if (!taken.has(base)) return base;
  for (let i = 1; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}
