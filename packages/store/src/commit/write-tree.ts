import { promises as fs, createReadStream, type Stats } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { StoreError } from '../errors.js';
import { type Checksum, sha256Hex } from '../checksum.js';
import type { Transaction, FileContent } from '../repo/transaction.js';
import { encodeFileHeader, framedHeader, type FileInfo, S_IFMT, S_IFREG, S_IFLNK, S_IFDIR } from '../objects/file-header.js';
import { encodeDirTree, type DirTree } from '../objects/dirtree.js';
import { encodeDirMeta } from '../objects/dirmeta.js';
import { readXattrs } from '../fsio/xattr-io.js';
import type { Xattrs } from '../objects/xattrs.js';
import { TaskPool } from '../fsio/task-pool.js';

/** How file metadata is taken from disk (OSTree's commit modifiers). */
export interface TreeModifier {
  ownerUid?: number;
  ownerGid?: number;
  canonicalPermissions?: boolean;
  noXattrs?: boolean;
}

export interface WriteTreeProgress {
  files: number;
  dirs: number;
  bytesRead: number;
  objectsWritten: number;
}

export interface WriteTreeOptions {
  modifier: TreeModifier;
  /** files hashed at once (default 16): bounds memory at about limit × IN_MEMORY_LIMIT */
  concurrency?: number;
  onProgress?: (p: WriteTreeProgress) => void;
}

/** Files up to this size are read once into memory; larger ones are streamed twice. */
const IN_MEMORY_LIMIT = 2 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Writes the directory `root` into the transaction bottom-up and returns its root dirtree and
 * dirmeta checksums. Every file is hashed first and skipped if the repo has it, so nothing is
 * compressed or written twice. Files of a folder are hashed in parallel; the walk is depth-first
 * so memory grows with depth, not with the number of files.
 */
export async function writeTree(tx: Transaction, root: string, opts: WriteTreeOptions): Promise<{ tree: Checksum; meta: Checksum; progress: WriteTreeProgress }> {
  const st = await lstatOrFail(root);
  if (!st.isDirectory()) throw new StoreError('COMMIT_INPUT', `${root} is not a directory`, { path: root });
  const ctx: Ctx = {
    tx,
    mod: effectiveModifier(tx, opts.modifier),
    pool: new TaskPool(opts.concurrency ?? 16),
    progress: { files: 0, dirs: 0, bytesRead: 0, objectsWritten: 0 },
    onProgress: opts.onProgress,
    hardlinks: new Map(),
  };
  const result = await writeDir(ctx, root, st);
  ctx.progress.objectsWritten = tx.stats.objectsWritten;
  ctx.onProgress?.(ctx.progress);
  return { ...result, progress: ctx.progress };
}

interface Ctx {
  tx: Transaction;
  mod: TreeModifier;
  pool: TaskPool;
  progress: WriteTreeProgress;
  onProgress: ((p: WriteTreeProgress) => void) | undefined;
  /** dev:ino → checksum for files with several links, so each inode is hashed once */
  hardlinks: Map<string, Promise<Checksum>>;
}

function effectiveModifier(tx: Transaction, mod: TreeModifier): TreeModifier {
  // bare-user-only repos hold neither ownership nor xattrs: OSTree forces canonical permissions.
  if (tx.repo.mode === 'bare-user-only') return { ...mod, canonicalPermissions: true, noXattrs: true };
  if (tx.repo.disableXattrs) return { ...mod, noXattrs: true };
  return mod;
}

async function lstatOrFail(path: string): Promise<Stats> {
  try {
    return await fs.lstat(path);
  } catch (cause) {
    throw new StoreError('COMMIT_INPUT', `cannot read ${path}: ${(cause as Error).message}`, { path }, { cause });
  }
}

function ownership(ctx: Ctx, st: Stats): { uid: number; gid: number } {
  if (ctx.mod.canonicalPermissions) return { uid: 0, gid: 0 };
  return { uid: ctx.mod.ownerUid ?? st.uid, gid: ctx.mod.ownerGid ?? st.gid };
}

function xattrsOf(ctx: Ctx, path: string): Xattrs {
  if (ctx.mod.noXattrs || ctx.mod.canonicalPermissions) return [];
  try {
    return readXattrs(path);
  } catch (cause) {
    throw new StoreError('COMMIT_INPUT', `cannot read extended attributes of ${path}: ${(cause as Error).message}`, { path }, { cause });
  }
}

interface Entry {
  name: string;
  nameBytes: Buffer;
  isDir: boolean;
}

async function listDir(path: string): Promise<Entry[]> {
  const raw = await fs.readdir(path, { withFileTypes: true, encoding: 'buffer' });
  const out: Entry[] = [];
  for (const d of raw) {
    const nameBytes = d.name as unknown as Buffer;
    let name: string;
    try {
      name = utf8.decode(nameBytes);
    } catch {
      throw new StoreError('COMMIT_INPUT', `${join(path, nameBytes.toString('latin1'))}: file name is not valid UTF-8 (OSTree requires UTF-8 names)`, { path });
    }
    out.push({ name, nameBytes, isDir: d.isDirectory() });
  }
  return out.sort((a, b) => Buffer.compare(a.nameBytes, b.nameBytes));
}

async function writeDir(ctx: Ctx, path: string, st: Stats): Promise<{ tree: Checksum; meta: Checksum }> {
  ctx.pool.check();
  const entries = await listDir(path);
  const fileEntries = entries.filter((e) => !e.isDir);
  const dirEntries = entries.filter((e) => e.isDir);
  // Files of this folder go to the shared pool now; subfolders are walked meanwhile, one at a
  // time. Every task settles before an error propagates, so nothing writes after an abort.
  const files = ctx.pool.all(fileEntries.map((e) => () => writeFileEntry(ctx, join(path, e.name))));
  const dirs: DirTree['dirs'] = [];
  let dirError: unknown = null;
  try {
    for (const e of dirEntries) {
      const sub = join(path, e.name);
      const r = await writeDir(ctx, sub, await lstatOrFail(sub));
      dirs.push({ name: e.name, tree: r.tree, meta: r.meta });
    }
  } catch (err) {
    dirError = err;
    ctx.pool.fail(err);
  }
  const fileSums = await files.catch((err: unknown) => {
    throw dirError ?? err;
  });
  if (dirError) throw dirError;
  const tree: DirTree = { files: fileEntries.map((e, i) => ({ name: e.name, checksum: fileSums[i]! })), dirs };
  const treeBytes = encodeDirTree(tree);
  const treeSum = sha256Hex(treeBytes);
  const { uid, gid } = ownership(ctx, st);
  const mode = ctx.mod.canonicalPermissions ? st.mode & (S_IFDIR | 0o755) : st.mode;
  const metaBytes = encodeDirMeta({ uid, gid, mode, xattrs: xattrsOf(ctx, path) });
  const metaSum = sha256Hex(metaBytes);
  if (!(await ctx.tx.has(treeSum, 'dirtree'))) await ctx.tx.writeMetadata(treeSum, 'dirtree', treeBytes);
  if (!(await ctx.tx.has(metaSum, 'dirmeta'))) await ctx.tx.writeMetadata(metaSum, 'dirmeta', metaBytes);
  ctx.progress.dirs++;
  return { tree: treeSum, meta: metaSum };
}

async function writeFileEntry(ctx: Ctx, path: string): Promise<Checksum> {
  const st = await lstatOrFail(path);
  if (st.nlink > 1 && st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const known = ctx.hardlinks.get(key);
    if (known) return known;
    const p = writeFileObject(ctx, path, st);
    ctx.hardlinks.set(key, p);
    return p;
  }
  return writeFileObject(ctx, path, st);
}

async function writeFileObject(ctx: Ctx, path: string, st: Stats): Promise<Checksum> {
  const type = st.mode & S_IFMT;
  if (type !== S_IFREG && type !== S_IFLNK) {
    throw new StoreError('COMMIT_INPUT', `${path}: unsupported file type (device nodes, fifos and sockets cannot be committed)`, { path });
  }
  const { uid, gid } = ownership(ctx, st);
  const symlink = type === S_IFLNK;
  const mode = ctx.mod.canonicalPermissions && !symlink ? st.mode & (S_IFREG | 0o755) : st.mode;
  const info: FileInfo = {
    uid,
    gid,
    mode,
    symlinkTarget: symlink ? await fs.readlink(path) : '',
    xattrs: xattrsOf(ctx, path),
    size: symlink ? 0 : st.size,
  };
  const head = framedHeader(encodeFileHeader(info));
  let checksum: Checksum;
  let content: FileContent | null = null;
  if (symlink) {
    checksum = sha256Hex(head);
  } else if (st.size <= IN_MEMORY_LIMIT) {
    const bytes = await fs.readFile(path);
    if (bytes.length !== st.size) throw changedUnderUs(path);
    checksum = sha256Hex(head, bytes);
    content = { bytes };
  } else {
    checksum = await hashStream(head, path, st.size);
    content = { path };
  }
  ctx.progress.files++;
  ctx.progress.bytesRead += info.size;
  if (!(await ctx.tx.has(checksum, 'file'))) await ctx.tx.writeFile(checksum, info, content);
  ctx.onProgress?.(ctx.progress);
  return checksum;
}

async function hashStream(head: Uint8Array, path: string, size: number): Promise<Checksum> {
  const h = createHash('sha256');
  h.update(head);
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    h.update(chunk as Buffer);
    n += (chunk as Buffer).length;
  }
  if (n !== size) throw changedUnderUs(path);
  return h.digest('hex');
}

function changedUnderUs(path: string): StoreError {
  return new StoreError('COMMIT_INPUT', `${path} changed size while it was being committed`, { path });
}
