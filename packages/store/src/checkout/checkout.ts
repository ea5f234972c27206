import { promises as fs } from 'node:fs';
import { join, basename, dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { openFileObject, type FileObject } from '../repo/file-object.js';
import { resolveTreePath, splitTreePath } from '../inspect/tree-path.js';
import { isSymlinkMode } from '../objects/file-header.js';
import { writeXattrs } from '../fsio/xattr-io.js';
import { TaskPool } from '../fsio/task-pool.js';

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

const LARGE_FILE = 4 * 1024 * 1024;

/**
 * Writes a commit's tree (or a subpath) into a new folder: content, modes, ownership (as root
 * unless -U), xattrs, symlinks. Copies by default, so the result never shares inodes with the
 * repo; -H hardlinks objects instead. Every name is validated and every file is created with
 * O_EXCL in a folder this checkout made (or, with --union, checked to be a real folder), so no
 * symlink in the tree or in the way can make it write outside the destination.
 */
export async function checkout(repo: Repo, opts: CheckoutOptions): Promise<CheckoutResult> {
  const dest = resolve(opts.destination);
  const hardlinks = opts.requireHardlinks === true;
  if (hardlinks) {
    if (repo.mode === 'archive') {
      throw new StoreError('CHECKOUT_FAILED', 'hardlink checkout (-H) needs a bare or bare-user repository; this one is archive', { mode: repo.mode });
    }
    if (repo.mode === 'bare-user' && !opts.userMode) {
      throw new StoreError('CHECKOUT_FAILED', 'hardlink checkout (-H) from a bare-user repository needs user mode (-U): ownership lives in the objects', { mode: repo.mode });
    }
    if (repo.mode === 'bare' && opts.userMode) {
      // The objects carry real ownership and setuid bits, which user mode promises not to give.
      throw new StoreError('CHECKOUT_FAILED', 'hardlink checkout (-H) from a bare repository cannot be in user mode (-U): drop -U, or -H to copy', { mode: repo.mode });
    }
  }
  const node = await resolveTreePath(repo, opts.commit, opts.subpath ?? '/');
  const ctx: Ctx = {
    repo,
    opts,
    hardlinks,
    pool: new TaskPool(opts.concurrency ?? 16),
    progress: { files: 0, dirs: 0 },
    setOwner: !opts.userMode,
  };
  if (node.kind === 'file') {
    // As ostree: DEST becomes a folder (0700 if new) holding the one file.
    const name = splitTreePath(opts.subpath ?? '').pop()!;
    await prepareFileParent(dest, opts.union === true);
    const target = join(dest, name);
    try {
      await checkoutFile(ctx, node.checksum, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new StoreError('CHECKOUT_EXISTS', `${target} already exists (check out into a new path, or use --union)`, { path: target }, { cause: err });
      }
      throw err;
    }
  } else {
    await checkoutDir(ctx, node.tree, node.meta, dest, true);
  }
  opts.onProgress?.(ctx.progress);
  return { commit: opts.commit, destination: dest, hardlinks, ...ctx.progress };
}

interface Ctx {
  repo: Repo;
  opts: CheckoutOptions;
  hardlinks: boolean;
  pool: TaskPool;
  progress: CheckoutProgress;
  setOwner: boolean;
}

async function prepareFileParent(dest: string, union: boolean): Promise<void> {
  await fs.mkdir(dirname(dest), { recursive: true });
  if (union && (await removeIfNotDir(dest, true))) return;
  try {
    await fs.mkdir(dest, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && !union) {
      throw new StoreError('CHECKOUT_EXISTS', `${dest} already exists (check out into a new folder, or use --union)`, { path: dest }, { cause: err });
    }
    throw err;
  }
}

/** In union mode: what stands at `path` where a folder should be is removed unless it is a real folder. */
async function removeIfNotDir(path: string, wantDir: boolean): Promise<boolean> {
  let st;
  try {
    st = await fs.lstat(path);
  } catch {
    return false;
  }
  if (wantDir && st.isDirectory()) return true;
  if (st.isDirectory()) {
    throw new StoreError('CHECKOUT_FAILED', `${path} is a directory where the tree has a file`, { path });
  }
  await fs.unlink(path);
  return false;
}

async function checkoutDir(ctx: Ctx, tree: Checksum, metaSum: Checksum, path: string, top: boolean): Promise<void> {
  const [dirtree, meta] = await Promise.all([ctx.repo.readDirTree(tree), ctx.repo.readDirMeta(metaSum)]);
  const union = ctx.opts.union === true;
  let existed = false;
  if (union) existed = await removeIfNotDir(path, true);
  if (!existed) {
    try {
      await fs.mkdir(path, { mode: 0o700 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && top) {
        throw new StoreError('CHECKOUT_EXISTS', `${path} already exists (check out into a new folder, or use --union)`, { path });
      }
      if (code === 'ENOENT' && top) {
        await fs.mkdir(dirname(path), { recursive: true });
        await fs.mkdir(path, { mode: 0o700 });
      } else {
        throw new StoreError('CHECKOUT_FAILED', `cannot create ${path}: ${(err as Error).message}`, { path }, { cause: err });
      }
    }
  }
  const files = ctx.pool.all(dirtree.files.map((f) => () => checkoutFile(ctx, f.checksum, join(path, f.name))));
  let dirError: unknown = null;
  try {
    for (const d of dirtree.dirs) {
      ctx.pool.check();
      await checkoutDir(ctx, d.tree, d.meta, join(path, d.name), false);
    }
  } catch (err) {
    dirError = err;
    ctx.pool.fail(err);
  }
  await files.catch((err: unknown) => {
    throw dirError ?? err;
  });
  if (dirError) throw dirError;
  // Folder metadata last, so a read-only folder can still be filled. A folder that was already
  // there (--union) keeps its own metadata, as in ostree.
  if (existed) {
    ctx.progress.dirs++;
    return;
  }
  if (ctx.setOwner) await fs.chown(path, meta.uid, meta.gid);
  if (!ctx.opts.userMode && meta.xattrs.length > 0) writeXattrs(path, meta.xattrs);
  await fs.chmod(path, meta.mode & 0o7777);
  ctx.progress.dirs++;
}

async function checkoutFile(ctx: Ctx, checksum: Checksum, path: string): Promise<void> {
  const obj = await openFileObject(ctx.repo, checksum);
  if (ctx.opts.union) await removeIfNotDir(path, false);
  const { info } = obj;
  if (isSymlinkMode(info.mode)) {
    await fs.symlink(info.symlinkTarget, path);
    if (ctx.setOwner) await fs.lchown(path, info.uid, info.gid);
    if (!ctx.opts.userMode && info.xattrs.length > 0) writeXattrs(path, info.xattrs);
  } else if (ctx.hardlinks && info.size > 0) {
    // Empty files are copied even with -H, as ostree does: one inode shared by every empty file
    // of a system would hit the link-count limit.
    try {
      await fs.link(obj.path, path);
    } catch (err) {
      throw new StoreError('CHECKOUT_FAILED', `cannot hardlink ${basename(path)} to its object: ${(err as Error).message}`, { path }, { cause: err });
    }
  } else {
    await copyOut(ctx, obj, path);
  }
  ctx.progress.files++;
  if (ctx.progress.files % 256 === 0) ctx.opts.onProgress?.(ctx.progress);
}

async function copyOut(ctx: Ctx, obj: FileObject, path: string): Promise<void> {
  const { info } = obj;
  if (ctx.repo.mode !== 'archive') {
    await fs.copyFile(obj.path, path, fs.constants.COPYFILE_EXCL);
  } else if (info.size > LARGE_FILE) {
    await pipeline(obj.openContent(), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } else {
    await fs.writeFile(path, await obj.readContent(), { flag: 'wx', mode: 0o600 });
  }
  if (ctx.setOwner) await fs.chown(path, info.uid, info.gid);
  if (!ctx.opts.userMode && info.xattrs.length > 0) writeXattrs(path, info.xattrs);
  const perms = ctx.opts.userMode ? info.mode & 0o1777 : info.mode & 0o7777;
  await fs.chmod(path, perms);
}
