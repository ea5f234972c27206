import { closeSync, openSync, readSync } from 'node:fs';
import type { StatLike } from './stat-cache.js';
import { createHash } from 'node:crypto';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import { sha256Hex } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { encodeFileHeader, framedHeader, type FileInfo, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../objects/file-header.js';
import { encodeDirMeta, type DirMeta } from '../objects/dirmeta.js';
import { readSymlinkTarget } from '../commit/read-symlink-target.js';
import type { RecordedMetadata } from '../commit/write-tree.js';
import { readXattrs } from '../fsio/xattr-io.js';

/** How the repo records metadata: the same rules commit applies (write-tree.ts effectiveModifier). */
export interface HashRules {
  canonical: boolean;
  noXattrs: boolean;
}

export function hashRulesOf(repo: Repo): HashRules {
  if (repo.mode === 'bare-user-only') return { canonical: true, noXattrs: true };
  return { canonical: false, noXattrs: repo.disableXattrs };
}

/**
 * The FileInfo a commit would record for this file or symlink (content not read): ownership,
 * xattrs and special bits from `recorded` when given (a user-mode worktree), else from disk.
 */
export function diskFileInfo(abs: string, st: StatLike, rules: HashRules, recorded?: RecordedMetadata): FileInfo {
  const mode = Number(st.mode);
  const type = mode & S_IFMT;
  if (type !== S_IFREG && type !== S_IFLNK) {
    throw new StoreError('COMMIT_INPUT', `${abs}: unsupported file type (device nodes, fifos and sockets cannot be committed)`, { path: abs });
  }
  const symlink = type === S_IFLNK;
  if (rules.canonical) {
    return { uid: 0, gid: 0, mode: symlink ? mode : mode & (S_IFREG | 0o755), symlinkTarget: symlink ? readSymlinkTarget(abs) : '', xattrs: [], size: symlink ? 0 : Number(st.size) };
  }
  return {
    uid: recorded?.uid ?? Number(st.uid),
    gid: recorded?.gid ?? Number(st.gid),
    mode: !symlink && recorded?.specialBits !== undefined ? (mode & ~0o7000) | (recorded.specialBits & 0o7000) : mode,
    symlinkTarget: symlink ? readSymlinkTarget(abs) : '',
    xattrs: rules.noXattrs ? [] : recorded ? recorded.xattrs : readXattrs(abs),
    size: symlink ? 0 : Number(st.size),
  };
}

export function diskDirMeta(abs: string, st: StatLike, rules: HashRules, recorded?: RecordedMetadata): DirMeta {
  const mode = Number(st.mode);
  if (rules.canonical) return { uid: 0, gid: 0, mode: mode & (S_IFDIR | 0o755), xattrs: [] };
  return {
    uid: recorded?.uid ?? Number(st.uid),
    gid: recorded?.gid ?? Number(st.gid),
    mode: recorded?.specialBits !== undefined ? (mode & ~0o7000) | (recorded.specialBits & 0o7000) : mode,
    xattrs: rules.noXattrs ? [] : recorded ? recorded.xattrs : readXattrs(abs),
  };
}

export function dirMetaChecksum(meta: DirMeta): Checksum {
  return sha256Hex(encodeDirMeta(meta));
}

/**
 * The content object checksum of `abs` with the header `info`, reading the file in chunks.
 * A file whose length is not `info.size` changed while it was read: COMMIT_INPUT.
 */
export function contentChecksum(abs: string, info: FileInfo): Checksum {
  const head = framedHeader(encodeFileHeader(info));
  if (info.symlinkTarget !== '' || (info.mode & S_IFMT) === S_IFLNK) return sha256Hex(head);
  const h = createHash('sha256');
  h.update(head);
  const fd = openSync(abs, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, info.size + 1));
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      total += n;
      if (total > info.size) break;
    }
    if (total !== info.size) throw new StoreError('COMMIT_INPUT', `file changed while it was being read: ${abs}`, { path: abs });
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}
