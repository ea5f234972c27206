import {
  chmodSync, chownSync, constants as fsConstants, copyFileSync, createWriteStream, lchownSync, linkSync, lstatSync,
  mkdirSync, symlinkSync, unlinkSync,
} from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { openFileObjectSync, type FileObject } from '../repo/file-object.js';
import { resolveTreePath, splitTreePath, type TreeNode } from '../inspect/tree-path.js';
import { isSymlinkMode } from '../objects/file-header.js';
import type { DirMeta } from '../objects/dirmeta.js';
import { writeXattrs } from '../fsio/xattr-io.js';
import { InFlight } from '../fsio/in-flight.js';
import { ObjectWorkers } from '../fsio/object-workers.js';
import { fsError, isNoSpace } from '../fsio/fs-error.js';

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
  /** files written in the background at once (default 8) */
  concurrency?: number;
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

/** Archive objects whose content is larger than this are inflated as a stream, off the main thread. */
const LARGE_FILE = 4 * 1024 * 1024;

/**
 * Writes a commit's tree (or a subpath) into a new folder: content, modes, ownership (as root
 * unless -U), xattrs, symlinks. Copies by default, so the result never shares inodes with the
 * repo; -H hardlinks objects instead. Every name is validated and every file is created with
 * O_EXCL in a folder this checkout made (or, with --union, checked to be a real folder), so no
 * symlink in the tree or in the way can make it write outside the destination. File system
 * calls are synchronous (cheaper than thread-pool round trips for many small files); folder
 * metadata is applied last, deepest first, once every file is written.
 */
export async function checkout(repo: Repo, opts: CheckoutOptions): Promise<CheckoutResult> {
  const dest = resolve(opts.destination);
  const hardlinks = opts.requireHardlinks === true;
  if (hardlinks) checkHardlinkMode(repo, opts.userMode === true);
  const node = await resolveTreePath(repo, opts.commit, opts.subpath ?? '/');
  const ctx: Ctx = {
    repo,
    opts,
    hardlinks,
    union: opts.union === true,
    setOwner: !opts.userMode,
    progress: { files: 0, dirs: 0 },
    writes: new InFlight(opts.concurrency ?? 8),
    workers: null,
    dirs: [],
    lastReport: 0,
  };
  try {
    await walk(ctx, node, dest);
    for (let i = ctx.dirs.length - 1; i >= 0; i--) applyDirMeta(ctx, ctx.dirs[i]!.path, ctx.dirs[i]!.meta);
  } catch (err) {
    if (isNoSpace(err)) {
      throw new StoreError('NO_SPACE', `no space left on the device holding ${dest}; the checkout there is incomplete`, { path: dest }, { cause: err });
    }
    // Whatever the file system refused on the way is a failed checkout, named, never a raw errno.
    throw fsError(err, { action: 'cannot check out into', path: dest, code: 'CHECKOUT_FAILED', deniedCode: 'CHECKOUT_FAILED' });
  }
  opts.onProgress?.(ctx.progress);
  return { commit: opts.commit, destination: dest, hardlinks, ...ctx.progress };
}

/** Checks out a folder or a single file; returns once every background write has settled. */
async function walk(ctx: Ctx, node: TreeNode, dest: string): Promise<void> {
  const { opts } = ctx;
  try {
    if (node.kind === 'file') {
      // As ostree: DEST becomes a folder (0700 if new) holding the one file.
      const name = splitTreePath(opts.subpath ?? '').pop()!;
      prepareFileParent(dest, ctx.union);
      await checkoutFile(ctx, node.checksum, join(dest, name));
    } else {
      await checkoutDir(ctx, node.tree, node.meta, dest, true);
    }
  } finally {
    // Nothing may still be writing when the caller commits, aborts or reports.
    await ctx.writes.drain().catch(() => undefined);
    await ctx.workers?.close();
  }
  ctx.writes.check();
}

interface Ctx {
  repo: Repo;
  opts: CheckoutOptions;
  hardlinks: boolean;
  union: boolean;
  setOwner: boolean;
  progress: CheckoutProgress;
  writes: InFlight;
  workers: ObjectWorkers | null;
  /** folders whose metadata is applied at the end (pre-order; applied in reverse) */
  dirs: Array<{ path: string; meta: DirMeta }>;
  lastReport: number;
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

function prepareFileParent(dest: string, union: boolean): void {
  mkdirSync(dirname(dest), { recursive: true });
  if (union && removeIfNotDir(dest, true)) return;
  try {
    mkdirSync(dest, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && !union) {
      throw new StoreError('CHECKOUT_EXISTS', `${dest} already exists (check out into a new folder, or use --union)`, { path: dest }, { cause: err });
    }
    throw err;
  }
}

/**
 * In union mode, whatever stands at `path` is removed unless it is a real folder and a folder is
 * wanted (a symlink to a folder is removed too: it could lead outside). Returns whether a real
 * folder was kept.
 */
function removeIfNotDir(path: string, wantDir: boolean): boolean {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return false;
  if (st.isDirectory()) {
    if (wantDir) return true;
    throw new StoreError('CHECKOUT_FAILED', `${path} is a directory where the tree has a file`, { path });
  }
  unlinkSync(path);
  return false;
}

async function checkoutDir(ctx: Ctx, tree: Checksum, metaSum: Checksum, path: string, top: boolean): Promise<void> {
  const dirtree = ctx.repo.readDirTreeSync(tree);
  const meta = ctx.repo.readDirMetaSync(metaSum);
  const existed = ctx.union && removeIfNotDir(path, true);
  if (!existed) makeDir(path, top);
  // A folder that was already there (--union) keeps its own metadata, as in ostree.
  if (!existed) ctx.dirs.push({ path, meta });
  for (const f of dirtree.files) {
    ctx.writes.check();
    await checkoutFile(ctx, f.checksum, join(path, f.name));
  }
  for (const d of dirtree.dirs) await checkoutDir(ctx, d.tree, d.meta, join(path, d.name), false);
  ctx.progress.dirs++;
}

function makeDir(path: string, top: boolean): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && top) {
      throw new StoreError('CHECKOUT_EXISTS', `${path} already exists (check out into a new folder, or use --union)`, { path });
    }
    if (code === 'ENOENT' && top) {
      mkdirSync(dirname(path), { recursive: true });
      mkdirSync(path, { mode: 0o700 });
      return;
    }
    throw fsError(err, { action: 'cannot create', path, code: 'CHECKOUT_FAILED', deniedCode: 'CHECKOUT_FAILED' });
  }
}

function applyDirMeta(ctx: Ctx, path: string, meta: DirMeta): void {
  if (ctx.setOwner) chownSync(path, meta.uid, meta.gid);
  if (!ctx.opts.userMode && meta.xattrs.length > 0) writeXattrs(path, meta.xattrs);
  chmodSync(path, meta.mode & 0o7777);
}

async function checkoutFile(ctx: Ctx, checksum: Checksum, path: string): Promise<void> {
  const obj = openFileObjectSync(ctx.repo, checksum);
  if (ctx.union) removeIfNotDir(path, false);
  const { info } = obj;
  try {
    if (isSymlinkMode(info.mode)) {
      symlinkSync(info.symlinkTarget, path);
      if (ctx.setOwner) lchownSync(path, info.uid, info.gid);
      if (!ctx.opts.userMode && info.xattrs.length > 0) writeXattrs(path, info.xattrs);
    } else if (ctx.hardlinks && info.size > 0) {
      // Empty files are copied even with -H, as ostree does: one inode shared by every empty
      // file of a system would hit the link-count limit.
      try {
        linkSync(obj.path, path);
      } catch (err) {
        throw fsError(err, { action: 'cannot hardlink its object to', path, code: 'CHECKOUT_FAILED', deniedCode: 'CHECKOUT_FAILED' });
      }
    } else if (ctx.repo.mode === 'archive' && info.size > LARGE_FILE) {
      await ctx.writes.add(streamOut(ctx, obj, path));
    } else if (ctx.repo.mode === 'archive') {
      // Read, inflate and create in a worker; both cores work and the walk goes on.
      ctx.workers ??= new ObjectWorkers();
      const job = ctx.workers.inflateTo({
        checksum: obj.checksum,
        source: obj.path,
        bodyOffset: obj.bodyOffset!,
        size: info.size,
        dest: path,
        owner: ctx.setOwner ? [info.uid, info.gid] : null,
        mode: fileMode(ctx, info.mode),
      });
      await ctx.writes.add(
        job.then(() => {
          if (!ctx.opts.userMode && info.xattrs.length > 0) writeXattrs(path, info.xattrs);
        }),
      );
    } else {
      copyFileSync(obj.path, path, fsConstants.COPYFILE_EXCL);
      applyFileMeta(ctx, obj, path);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new StoreError('CHECKOUT_EXISTS', `${path} already exists (check out into a new path, or use --union)`, { path }, { cause: err });
    }
    throw err;
  }
  ctx.progress.files++;
  const now = Date.now();
  if (ctx.opts.onProgress && now - ctx.lastReport > 100) {
    ctx.lastReport = now;
    ctx.opts.onProgress(ctx.progress);
  }
}

async function streamOut(ctx: Ctx, obj: FileObject, path: string): Promise<void> {
  await pipeline(obj.openContent(), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  applyFileMeta(ctx, obj, path);
}

function applyFileMeta(ctx: Ctx, obj: FileObject, path: string): void {
  const { info } = obj;
  if (ctx.setOwner) chownSync(path, info.uid, info.gid);
  if (!ctx.opts.userMode && info.xattrs.length > 0) writeXattrs(path, info.xattrs);
  chmodSync(path, fileMode(ctx, info.mode));
}

/** Permission bits to give a file: user mode drops setuid/setgid, as ostree does (chmod comes after chown, which clears them). */
function fileMode(ctx: Ctx, mode: number): number {
  return ctx.opts.userMode ? mode & 0o1777 : mode & 0o7777;
}

