import {
  chmodSync, chownSync, closeSync, constants as fsConstants, copyFileSync, createWriteStream, fchmodSync, fchownSync,
  lchownSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, symlinkSync, unlinkSync, writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import { decoded, type Repo } from '../repo/repo.js';
import { openFileObjectSync, type FileObject } from '../repo/file-object.js';
import {
  decodeArchiveHeader, decodeBareUserMeta, encodeFileHeader, framedHeader, isSymlinkMode, splitFramedHeader, type FileInfo,
} from '../objects/file-header.js';
import type { DirMeta } from '../objects/dirmeta.js';
import { objectRelPath } from '../objects/object-type.js';
import { sha256Hex } from '../checksum.js';
import { readXattr, writeXattrs } from '../fsio/xattr-io.js';
import { errnoOf, fsError, isNoSpace } from '../fsio/fs-error.js';

/** user.ostreemeta, decoded, with the checksum an empty regular file with this metadata has. */
type BareUserMeta = Pick<FileInfo, 'uid' | 'gid' | 'mode' | 'xattrs'> & { emptyChecksum: Checksum };

/** How a checkout writes, the same in every thread that takes part. */
export interface WriteOptions {
  /** hardlink non-empty files to their objects (-H) */
  hardlinks: boolean;
  /** replace what is in the way (--union) */
  union: boolean;
  /** -U: no ownership, no xattrs, no setuid/setgid */
  userMode: boolean;
  /** the process umask, to know when a file created with its final mode needs no chmod */
  umask: number;
}

/**
 * Archive objects whose `.filez` is larger than this are inflated as a stream, not read whole,
 * and so are those whose content is larger than that (a highly compressible file). Below them,
 * one synchronous inflate costs far less than a stream's thread-pool round trip per 16 KiB
 * (a 50 MB apt list is 3,000 of them); the price is up to 2 x 64 MiB held per thread.
 */
const LARGE_OBJECT = 64 * 1024 * 1024;
const LARGE_CONTENT = 64 * 1024 * 1024;

/**
 * Writes single entries of a checkout: files, symlinks, folders and their metadata. Every call
 * is synchronous (cheaper than thread-pool round trips for thousands of small files) except
 * large archive objects, which are streamed: their promises collect in `streams` and the caller
 * awaits them before it applies the metadata of the folders holding them. Files are created
 * with O_EXCL (symlinks and links fail on EEXIST too), so nothing in the way is followed.
 */
export class FileWriter {
  /** large files still being written */
  readonly streams: Array<Promise<void>> = [];
  private readonly bareUserMetas = new Map<string, BareUserMeta>();

  constructor(
    readonly repo: Repo,
    readonly opts: WriteOptions,
  ) {}

  /** Creates a folder (0700 until its metadata is applied); `top` may need its parents made. */
  makeDir(path: string, top: boolean): void {
    try {
      mkdirSync(path, 0o700);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && top) {
        throw new StoreError('CHECKOUT_EXISTS', `${path} already exists (check out into a new folder, or use --union)`, { path });
      }
      if (code === 'ENOENT' && top) {
        mkdirSync(dirname(path), { recursive: true });
        mkdirSync(path, 0o700);
        return;
      }
      throw writeError(err, path, 'create');
    }
  }

  /**
   * In union mode, whatever stands at `path` is removed unless it is a real folder and a folder
   * is wanted (a symlink to a folder is removed too: it could lead outside). Returns whether a
   * real folder was kept.
   */
  removeIfNotDir(path: string, wantDir: boolean): boolean {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) return false;
    if (st.isDirectory()) {
      if (wantDir) return true;
      throw new StoreError('CHECKOUT_FAILED', `${path} is a directory where the tree has a file`, { path });
    }
    unlinkSync(path);
    return false;
  }

  applyDirMeta(path: string, meta: DirMeta): void {
    try {
      if (!this.opts.userMode) {
        chownSync(path, meta.uid, meta.gid);
        if (meta.xattrs.length > 0) writeXattrs(path, meta.xattrs);
      }
      chmodSync(path, meta.mode & 0o7777);
    } catch (err) {
      throw writeError(err, path, 'set the metadata of');
    }
  }

  /** Writes the content object `checksum` at `path`. */
  writeFile(checksum: Checksum, path: string): void {
    try {
      if (this.opts.union) this.removeIfNotDir(path, false);
      if (this.repo.mode === 'archive') this.fromArchive(checksum, path);
      else if (this.repo.mode === 'bare-user') this.fromBareUser(checksum, path);
      else this.fromBare(openFileObjectSync(this.repo, checksum), path);
    } catch (err) {
      throw writeError(err, path, 'write');
    }
  }

  /**
   * bare-user objects carry their metadata in one xattr; a regular file needs nothing else: an
   * empty one is recognised by its checksum (that of the empty file with this metadata), so no
   * stat is needed to choose between linking and copying. Symlinks, and objects whose xattr is
   * missing (absent or damaged objects), take the general path and its errors.
   */
  private fromBareUser(checksum: Checksum, path: string): void {
    const source = this.objectFile(checksum);
    const raw = readXattr(source, 'user.ostreemeta');
    const meta = raw && this.bareUserMeta(raw, checksum);
    if (!meta || isSymlinkMode(meta.mode)) return this.fromBare(openFileObjectSync(this.repo, checksum), path);
    const size = this.opts.hardlinks && checksum === meta.emptyChecksum ? 0 : 1;
    this.fromBare({ checksum, path: source, info: { ...meta, symlinkTarget: '', size } }, path);
  }

  /** Decoded user.ostreemeta values; a root filesystem has only a few distinct ones. */
  private bareUserMeta(raw: Uint8Array, checksum: Checksum): BareUserMeta {
    const key = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
    let meta = this.bareUserMetas.get(key);
    if (!meta) {
      const m = decoded(checksum, 'file', () => decodeBareUserMeta(raw, `file object ${checksum}`));
      const emptyChecksum = sha256Hex(framedHeader(encodeFileHeader({ ...m, symlinkTarget: '', size: 0 })));
      meta = { ...m, emptyChecksum };
      if (this.bareUserMetas.size > 1024) this.bareUserMetas.clear();
      this.bareUserMetas.set(key, meta);
    }
    return meta;
  }

  private objectFile(checksum: Checksum): string {
    // objectRelPath names are plain: no path.join (and its normalisation) needed.
    return `${this.repo.path}/${objectRelPath(checksum, 'file', this.repo.mode)}`;
  }

  private fromBare(obj: Pick<FileObject, 'checksum' | 'path' | 'info'>, path: string): void {
    const { info } = obj;
    if (isSymlinkMode(info.mode)) return this.symlink(info, path);
    if (this.opts.hardlinks && info.size > 0) {
      // Empty files are copied even with -H, as ostree does: one inode shared by every empty
      // file of a system would hit the link-count limit.
      try {
        linkSync(obj.path, path);
      } catch (err) {
        throw writeError(err, path, 'hardlink its object to');
      }
      return;
    }
    copyFileSync(obj.path, path, fsConstants.COPYFILE_EXCL);
    if (!this.opts.userMode) {
      chownSync(path, info.uid, info.gid);
      if (info.xattrs.length > 0) writeXattrs(path, info.xattrs);
    }
    chmodSync(path, this.fileMode(info.mode));
  }

  /** One read of the `.filez`, inflated on this thread; large objects are streamed instead. */
  private fromArchive(checksum: Checksum, path: string): void {
    const source = this.objectFile(checksum);
    const st = lstatSync(source, { throwIfNoEntry: false });
    if (!st) throw new StoreError('OBJECT_MISSING', `file object ${checksum} is not in the repository`, { checksum, type: 'file' });
    const stream = (): void => {
      const obj = openFileObjectSync(this.repo, checksum);
      if (isSymlinkMode(obj.info.mode)) return this.symlink(obj.info, path);
      this.streams.push(this.streamOut(obj, path));
    };
    if (st.size > LARGE_OBJECT) return stream();
    const what = `file object ${checksum}`;
    const filez = readFileSync(source);
    const { header, bodyOffset } = splitFramedHeader(filez, what);
    const info = decoded(checksum, 'file', () => decodeArchiveHeader(header, what));
    if (isSymlinkMode(info.mode)) return this.symlink(info, path);
    if (info.size > LARGE_CONTENT) return stream();
    let body: Buffer;
    try {
      body = zlib.inflateRawSync(filez.subarray(bodyOffset), {
        chunkSize: Math.max(16 * 1024, Math.min(info.size + 64, 64 * 1024 * 1024)),
        // A header that understates the content must not let a small object inflate without bound.
        maxOutputLength: info.size + 1,
      });
    } catch (cause) {
      throw new StoreError('OBJECT_CORRUPT', `${what}: compressed content is damaged (${(cause as Error).message})`, { checksum }, { cause });
    }
    if (body.length !== info.size) {
      throw new StoreError('OBJECT_CORRUPT', `${what}: content is ${body.length} bytes, header says ${info.size}`, { checksum });
    }
    this.createFile(path, body, info);
  }

  /**
   * Creates a new file holding `body`, then gives it its owner, xattrs and mode through the open
   * descriptor where it can. A file whose mode survives the umask and has no setuid/setgid bits
   * is created with that mode and needs no chmod (chown keeps plain permission bits).
   */
  private createFile(path: string, body: Buffer, info: FileInfo): void {
    const mode = this.fileMode(info.mode);
    const exact = (mode & 0o7000) === 0 && (mode & this.opts.umask) === 0;
    const fd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, exact ? mode : 0o600);
    try {
      for (let off = 0; off < body.length; ) off += writeSync(fd, body, off, body.length - off);
      if (!this.opts.userMode) {
        fchownSync(fd, info.uid, info.gid);
        // After chown, which drops file capabilities (security.capability).
        if (info.xattrs.length > 0) writeXattrs(path, info.xattrs);
      }
      if (!exact) fchmodSync(fd, mode);
    } finally {
      closeSync(fd);
    }
  }

  private async streamOut(obj: FileObject, path: string): Promise<void> {
    const { info } = obj;
    try {
      await pipeline(obj.openContent(), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
      if (!this.opts.userMode) {
        chownSync(path, info.uid, info.gid);
        if (info.xattrs.length > 0) writeXattrs(path, info.xattrs);
      }
      chmodSync(path, this.fileMode(info.mode));
    } catch (err) {
      throw writeError(err, path, 'write');
    }
  }

  private symlink(info: FileInfo, path: string): void {
    symlinkSync(info.symlinkTarget, path);
    if (!this.opts.userMode) {
      lchownSync(path, info.uid, info.gid);
      if (info.xattrs.length > 0) writeXattrs(path, info.xattrs);
    }
  }

  /** Permission bits to give a file: user mode drops setuid/setgid, as ostree does (chmod comes after chown, which clears them). */
  private fileMode(mode: number): number {
    return this.opts.userMode ? mode & 0o1777 : mode & 0o7777;
  }
}


/**
 * A failure while writing `path` as a typed error: StoreErrors pass through, something in the
 * way is CHECKOUT_EXISTS, a full disk NO_SPACE, any other refusal CHECKOUT_FAILED naming the
 * path (fs-error.ts), never a raw errno.
 */
export function writeError(err: unknown, path: string, verb: string): StoreError {
  if (err instanceof StoreError) return err;
  if (errnoOf(err) === 'EEXIST') {
    return new StoreError('CHECKOUT_EXISTS', `${path} already exists (check out into a new path, or use --union)`, { path }, { cause: err });
  }
  if (isNoSpace(err)) {
    return new StoreError('NO_SPACE', `no space left on the device holding ${path}; the checkout there is incomplete`, { path, errno: errnoOf(err) }, { cause: err });
  }
  const named = fsError(err, { action: `cannot ${verb}`, path, code: 'CHECKOUT_FAILED', deniedCode: 'CHECKOUT_FAILED' });
  if (named instanceof StoreError) return named;
  return new StoreError('CHECKOUT_FAILED', `cannot ${verb} ${path}: ${(err as Error)?.message ?? String(err)}`, { path }, { cause: err });
}
