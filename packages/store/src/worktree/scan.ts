import { lstatSync, readdirSync, type Stats } from 'node:fs';
import type { Checksum } from '../checksum.js';
import type { FileInfo } from '../objects/file-header.js';
import type { DirMeta } from '../objects/dirmeta.js';
import { fsError } from '../fsio/fs-error.js';
import { contentChecksum, diskDirMeta, diskFileInfo, dirMetaChecksum, type HashRules } from './hash-entry.js';
import type { StatCache } from './stat-cache.js';
import type { TreeIndex } from './head-tree.js';
import type { RecordedMetadataSource } from './recorded-metadata.js';
import { MARKER_NAME } from './state.js';

export type EntryKind = 'file' | 'symlink' | 'dir';

/** A path as found on disk by a scan. */
export interface SeenEntry {
  kind: EntryKind;
  st: Stats;
  /** content object checksum (files, symlinks) or dirmeta checksum (folders); null = same as head, not spelled out */
  sum: Checksum | null;
}

export interface ScanContext {
  root: string;
  rules: HashRules;
  /** the stat cache, when it is valid for this worktree */
  cache: StatCache | null;
  /** true when the cache's head fields are the worktree's head (so "same as head" can be read from it) */
  cacheIsHead: boolean;
  /** the worktree's head tree (for recorded metadata in user mode) */
  head: TreeIndex;
  /** set in user mode */
  recorded: RecordedMetadataSource | null;
}

export interface ScanResult {
  seen: Map<string, SeenEntry>;
  hashed: number;
}

/**
 * Walks the worktree with synchronous lstat/readdir (a system call is cheaper than a thread-pool
 * round trip for thousands of small files) and gives every path its checksum: taken from the
 * stat cache when the lstat matches it exactly (the file is not opened), else computed. The
 * marker at the root is skipped; symlinks are never followed.
 */
export function scanWorktree(ctx: ScanContext): ScanResult {
  const out: ScanResult = { seen: new Map(), hashed: 0 };
  walk(ctx, ctx.root, '', lstatSync(ctx.root), out);
  return out;
}

function walk(ctx: ScanContext, abs: string, rel: string, st: Stats, out: ScanResult): void {
  out.seen.set(rel, { kind: 'dir', st, sum: sumOf(ctx, abs, rel, st, 'dir', out) });
  let names: string[];
  try {
    names = readdirSync(abs);
  } catch (cause) {
    throw fsError(cause, { action: 'cannot list', path: abs, code: 'COMMIT_INPUT', deniedCode: 'COMMIT_INPUT' });
  }
  for (const name of names) {
    if (rel === '' && name === MARKER_NAME) continue;
    const childAbs = `${abs}/${name}`;
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const cst = lstatSync(childAbs, { throwIfNoEntry: false });
    if (!cst) continue; // removed while we walked
    if (cst.isDirectory()) {
      walk(ctx, childAbs, childRel, cst, out);
    } else {
      const kind: EntryKind = cst.isSymbolicLink() ? 'symlink' : 'file';
      out.seen.set(childRel, { kind, st: cst, sum: sumOf(ctx, childAbs, childRel, cst, kind, out) });
    }
  }
}

function sumOf(ctx: ScanContext, abs: string, rel: string, st: Stats, kind: EntryKind, out: ScanResult): Checksum | null {
  const cache = ctx.cache;
  if (cache) {
    const i = cache.find(rel);
    if (i >= 0 && cache.matches(i, st)) {
      if (ctx.cacheIsHead && cache.headIsDir(i) === (kind === 'dir') && cache.diskIsHead(i)) return null;
      return cache.diskSum(i);
    }
  }
  out.hashed++;
  const recorded = ctx.recorded?.of(ctx.head.get(rel), kind === 'dir');
  if (kind === 'dir') return dirMetaChecksum(diskDirMeta(abs, st, ctx.rules, recorded));
  return contentChecksum(abs, diskFileInfo(abs, st, ctx.rules, recorded));
}

/** The checksum of a seen path, spelled out (a "same as head" entry takes the head's). */
export function seenSum(ctx: ScanContext, rel: string, e: SeenEntry): Checksum {
  return e.sum ?? ctx.head.get(rel)!.sum;
}

/** The metadata a commit would record for a path seen on disk (content not read). */
export function seenInfo(ctx: ScanContext, abs: string, rel: string, e: SeenEntry): FileInfo | DirMeta {
  const recorded = ctx.recorded?.of(ctx.head.get(rel), e.kind === 'dir');
  return e.kind === 'dir' ? diskDirMeta(abs, e.st, ctx.rules, recorded) : diskFileInfo(abs, e.st, ctx.rules, recorded);
}
