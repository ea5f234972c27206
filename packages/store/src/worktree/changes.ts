import type { Repo } from '../repo/repo.js';
import type { FileInfo } from '../objects/file-header.js';
import type { DirMeta } from '../objects/dirmeta.js';
import { isSymlinkMode } from '../objects/file-header.js';
import { openFileObjectSync } from '../repo/file-object.js';
import { encodeDirMeta } from '../objects/dirmeta.js';
import { contentChecksum } from './hash-entry.js';
import type { TreeEntry, TreeIndex } from './head-tree.js';
import { seenInfo, type EntryKind, type ScanContext, type SeenEntry } from './scan.js';

/** How a path differs between a commit and the worktree; a path can have several. */
export type WorktreeChange = 'added' | 'removed' | 'modified' | 'type-changed' | 'mode-changed' | 'owner-changed' | 'xattrs-changed';

export interface WorktreeChangeEntry {
  /** '/'-rooted, as `osgit diff` prints paths */
  path: string;
  /** the kind on disk (for a removed path: in the commit) */
  type: EntryKind;
  changes: WorktreeChange[];
}

/**
 * The paths that differ between a commit's tree (`base`) and the scanned worktree, sorted. An
 * added or removed folder is listed once, not file by file (as `osgit diff`); a path whose
 * checksum is the same on both sides is never looked at again.
 */
export function compareWithTree(repo: Repo, ctx: ScanContext, base: TreeIndex, seen: Map<string, SeenEntry>): WorktreeChangeEntry[] {
  const baseIsHead = base === ctx.head;
  let unchangedCount = 0;
  const out: WorktreeChangeEntry[] = [];
  const dirOnBothSides = (rel: string): boolean => {
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    return base.get(parent)?.isDir === true && seen.get(parent)?.kind === 'dir';
  };
  for (const [rel, e] of seen) {
    // null: the cache says this path is as in the head, which is `base`
    if (e.sum === null && baseIsHead) {
      unchangedCount++;
      continue;
    }
    const b = base.get(rel);
    if (!b) {
      if (rel !== '' && dirOnBothSides(rel)) out.push({ path: `/${rel}`, type: e.kind, changes: ['added'] });
      continue;
    }
    if (b.sum === (e.sum ?? ctx.head.get(rel)?.sum) && b.isDir === (e.kind === 'dir')) continue;
    const changes = classify(repo, ctx, rel, b, e);
    if (changes.length > 0) out.push({ path: `/${rel}`, type: e.kind, changes });
  }
  // Every path seen was as in the head, and as many as the head has: nothing was removed.
  if (baseIsHead && unchangedCount === seen.size && seen.size === ctx.headSize) return out.sort(byPath);
  for (const rel of base.keys()) {
    if (seen.has(rel) || !dirOnBothSides(rel)) continue;
    const b = base.get(rel)!;
    const type: EntryKind = b.isDir ? 'dir' : isSymlinkMode(openFileObjectSync(repo, b.sum).info.mode) ? 'symlink' : 'file';
    out.push({ path: `/${rel}`, type, changes: ['removed'] });
  }
  return out.sort(byPath);
}

function byPath(a: WorktreeChangeEntry, b: WorktreeChangeEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function classify(repo: Repo, ctx: ScanContext, rel: string, b: TreeEntry, e: SeenEntry): WorktreeChange[] {
  if (b.isDir !== (e.kind === 'dir')) return ['type-changed'];
  const abs = rel === '' ? ctx.root : `${ctx.root}/${rel}`;
  const disk = seenInfo(ctx, abs, rel, e);
  if (b.isDir) return metadataChanges(repo.readDirMetaSync(b.sum), disk);
  const head = openFileObjectSync(repo, b.sum).info;
  const d = disk as FileInfo;
  if (isSymlinkMode(head.mode) !== (e.kind === 'symlink')) return ['type-changed'];
  const meta = metadataChanges(head, d);
  let modified: boolean;
  if (e.kind === 'symlink') modified = head.symlinkTarget !== d.symlinkTarget;
  else if (head.size !== d.size) modified = true;
  else if (meta.length === 0) modified = true; // same metadata and size, different checksum: the bytes differ
  else modified = contentChecksum(abs, { ...head, size: d.size }) !== b.sum;
  return modified ? ['modified', ...meta] : meta;
}

function metadataChanges(a: Pick<DirMeta, 'uid' | 'gid' | 'mode' | 'xattrs'>, b: Pick<DirMeta, 'uid' | 'gid' | 'mode' | 'xattrs'>): WorktreeChange[] {
  const out: WorktreeChange[] = [];
  if ((a.mode & 0o7777) !== (b.mode & 0o7777)) out.push('mode-changed');
  if (a.uid !== b.uid || a.gid !== b.gid) out.push('owner-changed');
  if (!sameXattrs(a.xattrs, b.xattrs)) out.push('xattrs-changed');
  return out;
}

function sameXattrs(a: DirMeta['xattrs'], b: DirMeta['xattrs']): boolean {
  return Buffer.from(encodeDirMeta({ uid: 0, gid: 0, mode: 0, xattrs: a })).equals(Buffer.from(encodeDirMeta({ uid: 0, gid: 0, mode: 0, xattrs: b })));
}

