/**
 * Synchronous staging of one small content object whose bytes are already verified, in a repo's
 * own mode (§1.2). Used by Transaction.writeFile on the main thread and by the object workers'
 * batched receive (repo/receive-small.ts), so both write exactly the same files. No Transaction
 * here: a worker has none.
 */
import {
  chmodSync, chownSync, closeSync, fchmodSync, futimesSync, lchownSync, lutimesSync, openSync, rmSync, symlinkSync, utimesSync,
} from 'node:fs';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import { type FileInfo, encodeBareUserMeta, isSymlinkMode } from '../objects/file-header.js';
import { writeXattr, writeXattrs } from '../fsio/xattr-io.js';
import { writeAll } from '../fsio/parallel-deflate.js';
import { createExclusiveSync } from '../fsio/create-exclusive.js';
import type { RepoMode } from './config.js';

const UMASK = process.umask();

/**
 * Stages a regular file (`content`) or symlink (`content` null) at `path` in a bare mode:
 * bare-user a real file with `user.ostreemeta` (symlinks as files holding the target), bare
 * real ownership and xattrs, bare-user-only the mode alone. Returns false if it existed.
 */
export function stageBareFileSync(mode: Exclude<RepoMode, 'archive'>, path: string, info: FileInfo, content: Uint8Array | null): boolean {
  const symlink = isSymlinkMode(info.mode);
  if (mode === 'bare-user') {
    // Symlinks are regular files holding the target; the real mode lives in user.ostreemeta.
    const perms = symlink ? 0o644 : (info.mode & 0o775) | 0o400;
    const body = symlink ? Buffer.from(info.symlinkTarget + '\0') : content!;
    if (!writeObjectFileSync(path, body, perms)) return false;
    try {
      writeXattr(path, 'user.ostreemeta', encodeBareUserMeta(info));
    } catch (err) {
      // A file without its metadata is not the object: it must not stay under the object's name.
      rmSync(path, { force: true });
      throw err;
    }
    return true;
  }
  if (symlink) {
    try {
      symlinkSync(info.symlinkTarget, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    if (mode === 'bare') {
      lchownSync(path, info.uid, info.gid);
      writeXattrs(path, info.xattrs);
    }
    lutimesSync(path, 0, 0);
    return true;
  }
  if (!createExclusiveSync(path, content!, 0o600)) return false;
  if (mode === 'bare') {
    chownSync(path, info.uid, info.gid);
    writeXattrs(path, info.xattrs);
    chmodSync(path, info.mode & 0o7777);
  } else {
    chmodSync(path, info.mode & 0o775);
  }
  utimesSync(path, 0, 0);
  return true;
}

/**
 * Creates a content object file (O_EXCL) with exactly `perms` and mtime 0, in as few system
 * calls as possible: the mode is set at creation unless the umask would strip some of it.
 * Returns false if the object already existed.
 */
export function writeObjectFileSync(path: string, bytes: Uint8Array, perms: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', perms);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  let ok = false;
  try {
    writeAll(fd, bytes);
    if ((perms & UMASK) !== 0) fchmodSync(fd, perms);
    futimesSync(fd, 0, 0);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) rmSync(path, { force: true });
  }
  return true;
}

/**
 * A bare-user-only repository stores only what an unprivileged user can (§1.2): no owner but
 * root, no xattrs, no setuid/setgid/sticky or world-writable bits on regular files. ostree 2022.7
 * refuses such modes when it pulls ("invalid mode ... with bits ...") but stores foreign owners
 * and xattrs, which its own fsck then reports as corrupt objects; both are refused here.
 */
export function checkStorable(mode: RepoMode, checksum: Checksum, info: FileInfo): void {
  if (mode !== 'bare-user-only') return;
  const badBits = isSymlinkMode(info.mode) ? 0 : info.mode & 0o7777 & ~0o775;
  let why: string | null = null;
  if (badBits !== 0) why = `mode 0${info.mode.toString(8)} has bits 0${badBits.toString(8)}`;
  else if (info.uid !== 0 || info.gid !== 0) why = `owner ${info.uid}:${info.gid} is not 0:0`;
  else if (info.xattrs.length > 0) why = `it has extended attributes (${info.xattrs.map(([n]) => n).join(', ')})`;
  if (why) {
    throw new StoreError('COMMIT_INPUT', `file object ${checksum} cannot be stored in a bare-user-only repository: ${why}`, { checksum, type: 'file', mode: info.mode });
  }
}
