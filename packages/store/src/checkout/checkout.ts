import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { resolveTreePath, splitTreePath } from '../inspect/tree-path.js';
import { FileWriter, writeError, type WriteOptions } from './file-writer.js';
import { HelperThread } from './helper-thread.js';
import { CTL, planUnits, runUnits } from './units.js';

export interface CheckoutOptions {
  /** commit to check out (already resolved) */
  commit: Checksum;
  /** folder to create (must not exist unless `union`) */
  destination: string;
  /** -U: leave ownership to the current user and write no xattrs */
  userMode?: boolean;
  /** -H: hardlink every file to its object (bare/bare-user repos), fail if impossible */
  requireHardlinks?: boolean;
  /** check out only this path of the tree */
  subpath?: string;
  /** write into an existing folder, replacing files that are in the way */
  union?: boolean;
  /** threads that write (1 or 2; default 2 when the machine has a core to spare, see defaultThreads) */
  threads?: number;
  /** for tests: with 2 threads, leave every unit to the helper thread (default true: both take units) */
  unitsOnMain?: boolean;
  onProgress?: (p: CheckoutProgress) => void;
}

export interface CheckoutProgress {
  files: number;
  dirs: number;
}

export interface CheckoutResult extends CheckoutProgress {
  commit: Checksum;
  destination: string;
  hardlinks: boolean;
}

/** Subtrees to split a checkout into when two threads share it (enough to even out). */
const UNITS_FOR_TWO = 128;

/**
 * Writes a commit's tree (or a subpath) into a new folder: content, modes, ownership (as root
 * unless -U), xattrs, symlinks. Copies by default, so the result never shares inodes with the
 * repo; -H hardlinks objects instead. Every name is validated and every file is created with
 * O_EXCL in a folder this checkout made (or, with --union, checked to be a real folder), so no
 * symlink in the tree or in the way can make it write outside the destination.
 *
 * The tree is split into subtrees (units.ts) that the main thread and a helper thread claim
 * from a shared counter, each writing with synchronous calls (cheaper than thread-pool round
 * trips for many small files). A folder's metadata is applied once everything in it is
 * written. If either thread fails, both stop and the first failure is thrown, once no thread
 * writes any more; the destination is then incomplete, as with ostree.
 */
export async function checkout(repo: Repo, opts: CheckoutOptions): Promise<CheckoutResult> {
  const dest = resolve(opts.destination);
  const hardlinks = opts.requireHardlinks === true;
  if (hardlinks) checkHardlinkMode(repo, opts.userMode === true);
  const node = await resolveTreePath(repo, opts.commit, opts.subpath ?? '/');
  const writeOpts: WriteOptions = { hardlinks, union: opts.union === true, userMode: opts.userMode === true, umask: currentUmask() };
  const writer = new FileWriter(repo, writeOpts);
  const ctl = new Int32Array(new SharedArrayBuffer(CTL.LENGTH * 4));
  const progress = (): CheckoutProgress => ({ files: Atomics.load(ctl, CTL.FILES), dirs: Atomics.load(ctl, CTL.DIRS) });

  if (node.kind === 'file') {
    // As ostree: DEST becomes a folder (0700 if new) holding the one file.
    const name = splitTreePath(opts.subpath ?? '').pop()!;
    try {
      prepareFileParent(writer, dest);
      writer.writeFile(node.checksum, join(dest, name));
      await Promise.all(writer.streams.splice(0));
    } catch (err) {
      throw writeError(err, dest, 'check out into');
    }
    Atomics.add(ctl, CTL.FILES, 1);
  } else {
    const threads = Math.max(1, Math.min(2, opts.threads ?? defaultThreads()));
    const helper = threads > 1 ? new HelperThread(repo.path, writeOpts, ctl) : null;
    let plan;
    try {
      plan = planUnits(writer, { tree: node.tree, meta: node.meta, path: dest }, helper ? UNITS_FOR_TWO : 1, ctl);
    } catch (err) {
      helper?.cancel();
      throw writeError(err, dest, 'check out into');
    }
    helper?.start(plan.units);
    let failure: unknown = null;
    try {
      if (!helper || opts.unitsOnMain !== false) await runUnits(writer, plan.units, ctl, reporter(opts, progress));
    } catch (err) {
      failure = err;
    }
    const helperFailure = helper ? await helper.finish() : null;
    // The first failure wins; a thread that stopped because the other failed reports nothing.
    if (failure !== null) throw writeError(failure, dest, 'check out into');
    if (helperFailure) throw helperFailure;
    for (let i = plan.dirs.length - 1; i >= 0; i--) writer.applyDirMeta(plan.dirs[i]!.path, plan.dirs[i]!.meta);
  }
  const result = progress();
  opts.onProgress?.(result);
  return { commit: opts.commit, destination: dest, hardlinks, ...result };
}

/** Progress at most every 100 ms, from the main thread (the counters include the helper's files). */
function reporter(opts: CheckoutOptions, progress: () => CheckoutProgress): (() => void) | undefined {
  const onProgress = opts.onProgress;
  if (!onProgress) return undefined;
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last > 100) {
      last = now;
      onProgress(progress());
    }
  };
}

/**
 * Two threads when a core looks idle, else one. On a busy machine a second thread measured
 * slower (rootfs-a from archive as root, load ~12 on 2 cores: 7.7-8.7 s with one, 10-13.6 s with
 * two, and 40% more CPU): the kernel work of creating files contends, and the helper's start-up
 * is pure cost.
 */
function defaultThreads(): number {
  const cores = availableParallelism();
  return cores > 1 && loadavg()[0]! < cores - 1 ? 2 : 1;
}

function currentUmask(): number {
  // process.umask() with no argument is the only way to read it; it is not set here.
  return process.umask();
}

function checkHardlinkMode(repo: Repo, userMode: boolean): void {
  if (repo.mode === 'archive') {
    throw new StoreError('CHECKOUT_FAILED', 'hardlink checkout (-H) needs a bare or bare-user repository; this one is archive', { mode: repo.mode });
  }
  if (repo.mode === 'bare-user' && !userMode) {
    throw new StoreError('CHECKOUT_FAILED', 'hardlink checkout (-H) from a bare-user repository needs user mode (-U): ownership lives in the objects', { mode: repo.mode });
  }
  if (repo.mode === 'bare' && userMode) {
    // The objects carry real ownership and setuid bits, which user mode promises not to give.
    throw new StoreError('CHECKOUT_FAILED', 'hardlink checkout (-H) from a bare repository cannot be in user mode (-U): drop -U, or -H to copy', { mode: repo.mode });
  }
}

function prepareFileParent(writer: FileWriter, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  if (writer.opts.union && writer.removeIfNotDir(dest, true)) return;
  try {
    mkdirSync(dest, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && !writer.opts.union) {
      throw new StoreError('CHECKOUT_EXISTS', `${dest} already exists (check out into a new folder, or use --union)`, { path: dest }, { cause: err });
    }
    throw writeError(err, dest, 'create');
  }
}
