import { lstatSync, readdirSync, openSync, readSync, closeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { StoreError } from '../errors.js';
import { readSymlinkTarget } from './read-symlink-target.js';
import { type Checksum, sha256Hex } from '../checksum.js';
import type { Transaction, FileContent } from '../repo/transaction.js';
import { encodeFileHeader, framedHeader, type FileInfo, S_IFMT, S_IFREG, S_IFLNK, S_IFDIR } from '../objects/file-header.js';
import { encodeDirTree, type DirTree } from '../objects/dirtree.js';
import { encodeDirMeta } from '../objects/dirmeta.js';
import { readXattrs } from '../fsio/xattr-io.js';
import { InFlight } from '../fsio/in-flight.js';
import { fsError } from '../fsio/fs-error.js';
import type { Xattrs } from '../objects/xattrs.js';

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

/**
 * Lets a caller that keeps a stat cache (a worktree, worktree/stat-cache.ts) skip files it knows.
 * Paths are relative to the root, '/'-joined, without a leading slash.
 */
export interface WriteTreeHooks {
  /** leave this entry out of the tree (the worktree's marker) */
  exclude?(relPath: string): boolean;
  /**
   * The checksum of a file (content object) or folder (dirmeta) whose stat the caller
   * recognises: the file is not read, the folder's xattrs are not read. Used only if the object
   * is in the repo or staged (`knownStored`, else a look); otherwise hashed as usual.
   */
  knownChecksum?(relPath: string, st: Stats): Checksum | undefined;
  /** true when the object of the checksum knownChecksum just gave is known to be in the repo (the head's own) */
  knownStored?(relPath: string): boolean;
  /** ownership and xattrs to record instead of the disk's (a worktree checked out as non-root) */
  metadataFor?(relPath: string, st: Stats): RecordedMetadata | undefined;
  /**
   * The dirtree checksum of a folder whose every entry came from knownChecksum with
   * knownStored true, and whose own stat the caller recognises (so nothing was added or
   * removed): the tree is not encoded again.
   */
  knownTree?(relPath: string, st: Stats): Checksum | undefined;
  /** each entry as recorded: its lstat (taken before it was read) and checksum (dirmeta for folders, with the dirtree) */
  onEntry?(relPath: string, st: Stats, checksum: Checksum, tree?: Checksum): void;
}

/** What a hook may put in place of a path's on-disk ownership, xattrs and setuid/setgid/sticky bits. */
export interface RecordedMetadata {
  uid: number;
  gid: number;
  xattrs: Xattrs;
  /** the 0o7000 bits to record (user-mode checkouts drop setuid/setgid) */
  specialBits?: number;
}

export interface WriteTreeOptions {
  modifier: TreeModifier;
  hooks?: WriteTreeHooks;
  /** object writes (compressions) in flight at once (default 8): bounds memory */
  concurrency?: number;
  onProgress?: (p: WriteTreeProgress) => void;
}

/**
 * Files up to this size are read once into memory, and the object is written from the very bytes
 * that were hashed. Larger ones are read twice, in chunks: once to hash (so a file the repo
 * already has is never copied), and once by the transaction, which hashes what it writes and
 * refuses the object if the file changed in between (see Transaction.writeFile).
 */
const IN_MEMORY_LIMIT = 1024 * 1024;
const HASH_CHUNK = 1024 * 1024;

// ignoreBOM: a name that starts with U+FEFF keeps it (the default would strip it).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Writes the directory `root` into the transaction bottom-up and returns its root dirtree and
 * dirmeta checksums. Every file is hashed first and skipped if the repo has it, so nothing is
 * compressed or written twice. The walk is depth-first and synchronous (a system call costs
 * less than a thread-pool round trip); compression runs on libuv's pool with a bounded number
 * of objects in flight, so both cores work and memory grows with depth, not with file count.
 */
export async function writeTree(
  tx: Transaction, root: string, opts: WriteTreeOptions,
): Promise<{ tree: Checksum; meta: Checksum; progress: WriteTreeProgress }> {
  const st = lstatOrFail(root);
  if (!st.isDirectory()) throw new StoreError('COMMIT_INPUT', `${root} is not a directory`, { path: root });
  const ctx: Ctx = {
    tx,
    mod: effectiveModifier(tx, opts.modifier),
    writes: new InFlight(opts.concurrency ?? 8),
    progress: { files: 0, dirs: 0, bytesRead: 0, objectsWritten: 0 },
    onProgress: opts.onProgress,
    hardlinks: new Map(),
    lastReport: 0,
    hooks: opts.hooks ?? {},
    lastKnownStored: false,
  };
  let result: { tree: Checksum; meta: Checksum };
  try {
    result = await writeDir(ctx, root, '', st);
  } finally {
    // Nothing may still be writing when the caller commits or aborts the transaction.
    await ctx.writes.drain().catch(() => undefined);
  }
  ctx.writes.check();
  ctx.progress.objectsWritten = tx.stats.objectsWritten;
  ctx.onProgress?.(ctx.progress);
  return { ...result, progress: ctx.progress };
}

interface Ctx {
  tx: Transaction;
  mod: TreeModifier;
  writes: InFlight;
  progress: WriteTreeProgress;
  onProgress: ((p: WriteTreeProgress) => void) | undefined;
  /** dev:ino → checksum for files with several links, so each inode is hashed once */
  hardlinks: Map<string, Checksum>;
  lastReport: number;
  hooks: WriteTreeHooks;
  /** the last entry's checksum came from knownChecksum and its object is known to be stored */
  lastKnownStored: boolean;
}

function effectiveModifier(tx: Transaction, mod: TreeModifier): TreeModifier {
  // bare-user-only repos hold neither ownership nor xattrs: OSTree forces canonical permissions.
  if (tx.repo.mode === 'bare-user-only') return { ...mod, canonicalPermissions: true, noXattrs: true };
  if (tx.repo.disableXattrs) return { ...mod, noXattrs: true };
  return mod;
}

function lstatOrFail(path: string): Stats {
  try {
    return lstatSync(path);
  } catch (cause) {
    throw fsError(cause, { action: 'cannot read', path, code: 'COMMIT_INPUT', deniedCode: 'COMMIT_INPUT' });
  }
}

function ownership(ctx: Ctx, st: Stats, recorded?: RecordedMetadata): { uid: number; gid: number } {
  if (ctx.mod.canonicalPermissions) return { uid: 0, gid: 0 };
  return { uid: ctx.mod.ownerUid ?? recorded?.uid ?? st.uid, gid: ctx.mod.ownerGid ?? recorded?.gid ?? st.gid };
}

function xattrsOf(ctx: Ctx, path: string, recorded?: RecordedMetadata): Xattrs {
  if (ctx.mod.noXattrs || ctx.mod.canonicalPermissions) return [];
  if (recorded) return recorded.xattrs;
  try {
    return readXattrs(path);
  } catch (cause) {
    throw fsError(cause, { action: 'cannot read extended attributes of', path, code: 'COMMIT_INPUT', deniedCode: 'COMMIT_INPUT' });
  }
}

interface Entry {
  name: string;
  nameBytes: Buffer;
  isDir: boolean;
}

function listDir(path: string): Entry[] {
  let raw;
  try {
    raw = readdirSync(path, { withFileTypes: true, encoding: 'buffer' });
  } catch (cause) {
    throw fsError(cause, { action: 'cannot list', path, code: 'COMMIT_INPUT', deniedCode: 'COMMIT_INPUT' });
  }
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

async function writeDir(ctx: Ctx, path: string, rel: string, st: Stats): Promise<{ tree: Checksum; meta: Checksum }> {
  const entries = listDir(path);
  const tree: DirTree = { files: [], dirs: [] };
  const { hooks } = ctx;
  let allKnown = true;
  for (const e of entries) {
    ctx.writes.check();
    const sub = join(path, e.name);
    const subRel = rel === '' ? e.name : `${rel}/${e.name}`;
    if (hooks.exclude?.(subRel)) continue;
    if (e.isDir) {
      const r = await writeDir(ctx, sub, subRel, lstatOrFail(sub));
      tree.dirs.push({ name: e.name, tree: r.tree, meta: r.meta });
    } else {
      tree.files.push({ name: e.name, checksum: await writeFileEntry(ctx, sub, subRel) });
    }
    allKnown &&= ctx.lastKnownStored;
  }
  // A folder where nothing changed keeps the dirtree the caller knows: no encoding, no hashing.
  let treeSum = allKnown ? hooks.knownTree?.(rel, st) : undefined;
  const treeKnown = treeSum !== undefined;
  if (treeSum === undefined) {
    const treeBytes = encodeDirTree(tree);
    treeSum = sha256Hex(treeBytes);
    if (!ctx.tx.inRepoOrInFlightSync(treeSum, 'dirtree')) ctx.tx.writeMetadataSync(treeSum, 'dirtree', treeBytes);
  }
  const known = hooks.knownChecksum?.(rel, st);
  let metaSum: Checksum;
  ctx.lastKnownStored = false;
  if (known !== undefined && (hooks.knownStored?.(rel) || ctx.tx.inRepoOrInFlightSync(known, 'dirmeta'))) {
    metaSum = known;
    ctx.lastKnownStored = treeKnown && hooks.knownStored?.(rel) === true;
  } else {
    const recorded = hooks.metadataFor?.(rel, st);
    const { uid, gid } = ownership(ctx, st, recorded);
    const mode = ctx.mod.canonicalPermissions ? st.mode & (S_IFDIR | 0o755) : withSpecialBits(st.mode, recorded);
    const metaBytes = encodeDirMeta({ uid, gid, mode, xattrs: xattrsOf(ctx, path, recorded) });
    metaSum = sha256Hex(metaBytes);
    if (!ctx.tx.inRepoOrInFlightSync(metaSum, 'dirmeta')) ctx.tx.writeMetadataSync(metaSum, 'dirmeta', metaBytes);
  }
  hooks.onEntry?.(rel, st, metaSum, treeSum);
  ctx.progress.dirs++;
  return { tree: treeSum, meta: metaSum };
}

async function writeFileEntry(ctx: Ctx, path: string, rel: string): Promise<Checksum> {
  const st = lstatOrFail(path);
  const checksum = await fileChecksum(ctx, path, rel, st);
  ctx.hooks.onEntry?.(rel, st, checksum);
  return checksum;
}

async function fileChecksum(ctx: Ctx, path: string, rel: string, st: Stats): Promise<Checksum> {
  const known = ctx.hooks.knownChecksum?.(rel, st);
  ctx.lastKnownStored = false;
  if (known !== undefined) {
    const stored = ctx.hooks.knownStored?.(rel) === true;
    if (stored || ctx.tx.inRepoOrInFlightSync(known, 'file')) {
      ctx.lastKnownStored = stored;
      ctx.progress.files++;
      return known;
    }
  }
  if (st.nlink > 1 && st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const known = ctx.hardlinks.get(key);
    if (known) {
      ctx.progress.files++;
      return known;
    }
    const checksum = await writeFileObject(ctx, path, rel, st);
    ctx.hardlinks.set(key, checksum);
    return checksum;
  }
  return writeFileObject(ctx, path, rel, st);
}

/** The mode with the setuid/setgid/sticky bits a hook asked for (a user-mode worktree lost them on disk). */
function withSpecialBits(mode: number, recorded: RecordedMetadata | undefined): number {
  if (recorded?.specialBits === undefined) return mode;
  return (mode & ~0o7000) | (recorded.specialBits & 0o7000);
}

async function writeFileObject(ctx: Ctx, path: string, rel: string, st: Stats): Promise<Checksum> {
  const type = st.mode & S_IFMT;
  if (type !== S_IFREG && type !== S_IFLNK) {
    throw new StoreError('COMMIT_INPUT', `${path}: unsupported file type (device nodes, fifos and sockets cannot be committed)`, { path });
  }
  const recorded = ctx.hooks.metadataFor?.(rel, st);
  const { uid, gid } = ownership(ctx, st, recorded);
  const symlink = type === S_IFLNK;
  const mode = ctx.mod.canonicalPermissions && !symlink ? st.mode & (S_IFREG | 0o755) : symlink ? st.mode : withSpecialBits(st.mode, recorded);
  const info: FileInfo = {
    uid,
    gid,
    mode,
    symlinkTarget: symlink ? readSymlinkTarget(path) : '',
    xattrs: xattrsOf(ctx, path, recorded),
    size: symlink ? 0 : st.size,
  };
  const head = framedHeader(encodeFileHeader(info));
  let checksum: Checksum;
  let content: FileContent | null = null;
  if (symlink) {
    checksum = sha256Hex(head);
  } else if (st.size <= IN_MEMORY_LIMIT) {
    const bytes = readExactly(path, st.size);
    checksum = sha256Hex(head, bytes);
    content = { bytes };
  } else {
    checksum = hashFile(head, path, st.size);
    content = { path };
  }
  ctx.progress.files++;
  ctx.progress.bytesRead += info.size;
  // Small files in bare modes are one O_EXCL create, which finds a copy staged earlier itself;
  // anything else (compression, large copies) is worth a look into the staging folder first.
  const oneCreate = ctx.tx.repo.mode !== 'archive' && (content === null || 'bytes' in content);
  if (!(oneCreate ? ctx.tx.inRepoOrInFlightSync(checksum, 'file') : ctx.tx.hasSync(checksum, 'file'))) {
    const pending = ctx.tx.writeFile(checksum, info, content);
    if (pending) await ctx.writes.add(pending);
  }
  const now = Date.now();
  if (ctx.onProgress && now - ctx.lastReport > 100) {
    ctx.lastReport = now;
    ctx.onProgress(ctx.progress);
  }
  return checksum;
}


/**
 * Reads exactly `size` bytes; a file that shrank or grew while we read is an error. It asks for
 * one byte more than expected: a regular file answers a short read only at its end, so one
 * read usually both fills the buffer and proves that nothing follows.
 */
export function readExactly(path: string, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(size + 1);
    let off = 0;
    for (;;) {
      const n = readSync(fd, buf, off, size + 1 - off, off);
      off += n;
      // Reaching exactly `size` means the read came up one byte short: the end of the file.
      if (n === 0 || off >= size) break;
    }
    if (off !== size) throw changedUnderUs(path);
    return buf.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

function hashFile(head: Uint8Array, path: string, size: number): Checksum {
  const h = createHash('sha256');
  h.update(head);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(HASH_CHUNK);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, HASH_CHUNK, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      total += n;
    }
    if (total !== size) throw changedUnderUs(path);
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

function changedUnderUs(path: string): StoreError {
  return new StoreError('COMMIT_INPUT', `file changed while it was being committed: ${path}`, { path });
}
