import { lstatSync, readdirSync } from 'node:fs';
import type { Checksum } from '../checksum.js';
import type { FileInfo } from '../objects/file-header.js';
import { S_IFDIR, S_IFLNK, S_IFMT } from '../objects/file-header.js';
import type { DirMeta } from '../objects/dirmeta.js';
import { fsError } from '../fsio/fs-error.js';
import { native, type NativeAddon } from '../fsio/native.js';
import { contentChecksum, diskDirMeta, diskFileInfo, dirMetaChecksum, type HashRules } from './hash-entry.js';
import type { StatCache, StatLike } from './stat-cache.js';
import type { TreeIndex } from './head-tree.js';
import type { RecordedMetadataSource } from './recorded-metadata.js';
import { MARKER_NAME } from './state.js';

export type EntryKind = 'file' | 'symlink' | 'dir';

/**
 * A path as found on disk by a scan. Its lstat stays in the folder listing's Float64Array
 * (`STAT_FIELDS` numbers from `at`; see statAt): a walk of thousands of paths allocates one
 * small object per path, not a Stats with four Dates.
 */
export interface SeenEntry {
  kind: EntryKind;
  /** content object checksum (files, symlinks) or dirmeta checksum (folders); null = same as head, not spelled out */
  sum: Checksum | null;
  stats: Float64Array;
  at: number;
}

/** Per entry of a listing: mode, size, ino, uid, gid, mtimeMs, (mtime ns), ctimeMs, (ctime ns). */
const STAT_FIELDS = 9;

/** The lstat of a seen path as an object. */
export function statAt(stats: Float64Array, at: number): StatLike {
  return { mode: stats[at]!, size: stats[at + 1]!, ino: stats[at + 2]!, uid: stats[at + 3]!, gid: stats[at + 4]!, mtimeMs: stats[at + 5]!, ctimeMs: stats[at + 7]! };
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
  /** how many paths the head has (when known cheaply; -1 otherwise) */
  headSize: number;
}

export interface ScanResult {
  seen: Map<string, SeenEntry>;
  hashed: number;
}

/** A folder's names with their lstat, STAT_FIELDS numbers each, times already in milliseconds. */
type ListDir = (abs: string) => { names: string[]; stats: Float64Array };

/**
 * Walks the worktree with synchronous calls (a system call is cheaper than a thread-pool round
 * trip for thousands of small files) and gives every path its checksum: taken from the stat
 * cache when the lstat matches it exactly (the file is not opened), else computed. The marker
 * at the root is skipped; symlinks are never followed.
 */
export function scanWorktree(ctx: ScanContext): ScanResult {
  const out: ScanResult = { seen: new Map(), hashed: 0 };
  const root = lstatSync(ctx.root);
  const stats = new Float64Array([root.mode, root.size, root.ino, root.uid, root.gid, root.mtimeMs, 0, root.ctimeMs, 0]);
  walk(ctx, listDirFunction(), ctx.root, '', stats, 0, out);
  return out;
}

function walk(ctx: ScanContext, list: ListDir, abs: string, rel: string, dirStats: Float64Array, dirAt: number, out: ScanResult): void {
  out.seen.set(rel, { kind: 'dir', sum: sumOf(ctx, abs, rel, dirStats, dirAt, 'dir', out), stats: dirStats, at: dirAt });
  let listing;
  try {
    listing = list(abs);
  } catch (cause) {
    throw fsError(cause, { action: 'cannot list', path: abs, code: 'COMMIT_INPUT', deniedCode: 'COMMIT_INPUT' });
  }
  const { names, stats } = listing;
  for (let i = 0, at = 0; i < names.length; i++, at += STAT_FIELDS) {
    const name = names[i]!;
    if (rel === '' && name === MARKER_NAME) continue;
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const type = stats[at]! & S_IFMT;
    if (type === S_IFDIR) {
      walk(ctx, list, `${abs}/${name}`, childRel, stats, at, out);
    } else {
      const kind: EntryKind = type === S_IFLNK ? 'symlink' : 'file';
      out.seen.set(childRel, { kind, sum: sumOf(ctx, abs, childRel, stats, at, kind, out, name), stats, at });
    }
  }
}

function listDirFunction(): ListDir {
  let addon: NativeAddon | null = null;
  try {
    addon = native();
  } catch {
    /* not built: Node's calls do the same, allocating more */
  }
  if (addon && typeof addon.lstatDir === 'function') {
    const lstatDir = addon.lstatDir.bind(addon);
    return (abs) => {
      const [names, stats] = lstatDir(abs);
      // Times in milliseconds with the arithmetic of Node's Stats (msFromTimeSpec), so stamps
      // compare equal to those taken through lstatSync (a commit's walk, write-tree.ts).
      for (let at = 0; at < stats.length; at += STAT_FIELDS) {
        stats[at + 5] = stats[at + 5]! * 1e3 + stats[at + 6]! / 1e6;
        stats[at + 7] = stats[at + 7]! * 1e3 + stats[at + 8]! / 1e6;
      }
      return { names, stats };
    };
  }
  return (abs) => {
    const names: string[] = [];
    const all: number[] = [];
    for (const name of readdirSync(abs)) {
      const st = lstatSync(`${abs}/${name}`, { throwIfNoEntry: false });
      if (!st) continue;
      names.push(name);
      all.push(st.mode, st.size, st.ino, st.uid, st.gid, st.mtimeMs, 0, st.ctimeMs, 0);
    }
    return { names, stats: new Float64Array(all) };
  };
}

function sumOf(
  ctx: ScanContext, dirAbs: string, rel: string, stats: Float64Array, at: number, kind: EntryKind, out: ScanResult, name?: string,
): Checksum | null {
  const cache = ctx.cache;
  if (cache) {
    const i = cache.find(rel);
    if (i >= 0 && cache.matchesAt(i, stats, at)) {
      if (ctx.cacheIsHead && cache.sameAsHead(i) && cache.headIsDir(i) === (kind === 'dir')) return null;
      return cache.diskSum(i);
    }
  }
  out.hashed++;
  const abs = name === undefined ? dirAbs : `${dirAbs}/${name}`;
  const st = statAt(stats, at);
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
  const st = statAt(e.stats, e.at);
  return e.kind === 'dir' ? diskDirMeta(abs, st, ctx.rules, recorded) : diskFileInfo(abs, st, ctx.rules, recorded);
}
