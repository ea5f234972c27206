/**
 * Snapshots a directory tree into comparable records and diffs two snapshots readably, so that
 * "this checkout reproduces that tree" is one assertion with a useful failure message.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { getAttributeSync, listAttributesSync } from '@napi-rs/xattr';

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'chardev' | 'blockdev';

export interface TreeEntry {
  /** '/'-rooted path inside the tree ('/' is the tree's root directory). */
  path: string;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (st_mode & 0o7777). */
  mode: number;
  /** Absent when ownership is ignored. */
  uid?: number;
  gid?: number;
  /** Regular files: size and SHA-256 of the content. */
  size?: number;
  sha256?: string;
  /** Symlinks: the target as stored. */
  target?: string;
  /** name → hex value, sorted by name; absent when xattrs are ignored. */
  xattrs?: Record<string, string>;
  /** Only with `inodes: true`: "dev:ino", to see hardlinks. */
  inode?: string;
}

export interface SnapshotOptions {
  /** Record uid/gid (default true). User-mode checkouts (-U) do not restore them. */
  ownership?: boolean;
  /** Record xattrs (default true). */
  xattrs?: boolean;
  /** xattr names never recorded (default: security.selinux, which the host may add on its own). */
  ignoreXattrs?: readonly string[];
  /** Drop xattrs whose value is empty, as ostree does when it reads a tree (default false). */
  dropEmptyXattrs?: boolean;
  /** Mask applied to mode bits (default 0o7777). */
  modeMask?: number;
  /** Record "dev:ino" for every entry (default false). */
  inodes?: boolean;
  /** Paths ('/'-rooted) to leave out, with everything below them. */
  exclude?: readonly string[];
}

const DEFAULT_IGNORED_XATTRS = ['security.selinux'];

/** Walks `dir` (not following symlinks) and returns one record per entry, sorted by path bytes. */
export function snapshotTree(dir: string, opts: SnapshotOptions = {}): TreeEntry[] {
  const out: TreeEntry[] = [];
  const exclude = new Set(opts.exclude ?? []);
  const walk = (abs: string, rel: string) => {
    if (exclude.has(rel)) return;
    const entry = snapshotEntry(abs, rel, opts);
    out.push(entry);
    if (entry.type !== 'dir') return;
    for (const name of readdirSync(abs)) {
      walk(join(abs, name), rel === '/' ? `/${name}` : `${rel}/${name}`);
    }
  };
  walk(dir, '/');
  return out.sort(comparePaths);
}

function comparePaths(a: { path: string }, b: { path: string }): number {
  return Buffer.compare(Buffer.from(a.path, 'utf8'), Buffer.from(b.path, 'utf8'));
}

function snapshotEntry(abs: string, rel: string, opts: SnapshotOptions): TreeEntry {
  const st = lstatSync(abs);
  const type = entryType(st.mode);
  const entry: TreeEntry = { path: rel, type, mode: st.mode & 0o7777 & (opts.modeMask ?? 0o7777) };
  if (opts.ownership ?? true) {
    entry.uid = st.uid;
    entry.gid = st.gid;
  }
  if (type === 'file') {
    entry.size = st.size;
    entry.sha256 = sha256File(abs);
  } else if (type === 'symlink') {
    entry.target = readlinkSync(abs, 'utf8');
  }
  if (opts.xattrs ?? true) entry.xattrs = readXattrs(abs, opts);
  if (opts.inodes) entry.inode = `${st.dev}:${st.ino}`;
  return entry;
}

function entryType(mode: number): EntryType {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    case 0o020000:
      return 'chardev';
    case 0o060000:
      return 'blockdev';
    default:
      throw new Error(`unknown file type in mode ${mode.toString(8)}`);
  }
}

/** xattrs of `path` itself (never following a symlink), name → hex. */
export function readXattrs(path: string, opts: Pick<SnapshotOptions, 'ignoreXattrs' | 'dropEmptyXattrs'> = {}): Record<string, string> {
  const ignored = new Set(opts.ignoreXattrs ?? DEFAULT_IGNORED_XATTRS);
  const result: Record<string, string> = {};
  for (const name of listAttributesSync(path).sort()) {
    if (ignored.has(name)) continue;
    const value = getAttributeSync(path, name) ?? Buffer.alloc(0);
    if (opts.dropEmptyXattrs && value.length === 0) continue;
    result[name] = value.toString('hex');
  }
  return result;
}

/** SHA-256 of a file's content, read in chunks (memory stays bounded for big files). */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** A readable list of differences between two snapshots ([] when equal). */
export function diffTrees(a: readonly TreeEntry[], b: readonly TreeEntry[], labels: [string, string] = ['a', 'b']): string[] {
  const byPath = (entries: readonly TreeEntry[]) => new Map(entries.map((e) => [e.path, e]));
  const ma = byPath(a);
  const mb = byPath(b);
  const paths = [...new Set([...ma.keys(), ...mb.keys()])].sort((x, y) => comparePaths({ path: x }, { path: y }));
  const lines: string[] = [];
  for (const path of paths) {
    const ea = ma.get(path);
    const eb = mb.get(path);
    if (!ea) {
      lines.push(`${path}: only in ${labels[1]} (${describe(eb!)})`);
      continue;
    }
    if (!eb) {
      lines.push(`${path}: only in ${labels[0]} (${describe(ea)})`);
      continue;
    }
    const fields = new Set([...Object.keys(ea), ...Object.keys(eb)] as (keyof TreeEntry)[]);
    for (const field of fields) {
      if (field === 'path') continue;
      const va = format(field, ea[field]);
      const vb = format(field, eb[field]);
      if (va !== vb) lines.push(`${path}: ${field} ${labels[0]}=${va} ${labels[1]}=${vb}`);
    }
  }
  return lines;
}

function describe(e: TreeEntry): string {
  return `${e.type} ${e.mode.toString(8).padStart(4, '0')}${e.target !== undefined ? ` -> ${e.target}` : ''}`;
}

function format(field: keyof TreeEntry, value: unknown): string {
  if (value === undefined) return '(absent)';
  if (field === 'mode' && typeof value === 'number') return `0${value.toString(8).padStart(4, '0')}`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, string>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${k}=${obj[k]}`)
      .join(', ')}}`;
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export interface ExpectTreesOptions {
  /** Names for the two sides in the diff (default 'expected', 'actual'). */
  labels?: [string, string];
  /** At most this many difference lines in the message (default 60). */
  maxLines?: number;
}

/** Throws with a path-by-path diff unless the two snapshots are equal. */
export function expectTreesEqual(expected: readonly TreeEntry[], actual: readonly TreeEntry[], opts: ExpectTreesOptions = {}): void {
  const labels = opts.labels ?? ['expected', 'actual'];
  const lines = diffTrees(expected, actual, labels);
  if (lines.length === 0) return;
  const max = opts.maxLines ?? 60;
  const shown = lines.slice(0, max);
  if (lines.length > max) shown.push(`... and ${lines.length - max} more`);
  throw new Error(`trees differ (${lines.length} difference${lines.length === 1 ? '' : 's'}):\n  ${shown.join('\n  ')}`);
}

/** Rewrites every entry of a snapshot (for building the expected result of a lossy commit). */
export function mapTree(entries: readonly TreeEntry[], fn: (e: TreeEntry) => TreeEntry | null): TreeEntry[] {
  const out: TreeEntry[] = [];
  for (const e of entries) {
    const mapped = fn({ ...e, ...(e.xattrs ? { xattrs: { ...e.xattrs } } : {}) });
    if (mapped) out.push(mapped);
  }
  return out;
}

/**
 * What a commit with `--canonical-permissions` (or into bare-user-only) keeps of a tree:
 * uid = gid = 0, files and dirs masked to 0755 (symlinks unchanged), no xattrs.
 * See reference/ostree-formats.md §2.4.
 */
export function canonicalized(entries: readonly TreeEntry[]): TreeEntry[] {
  return mapTree(entries, (e) => ({
    ...e,
    mode: e.type === 'symlink' ? e.mode : e.mode & 0o755,
    ...(e.uid !== undefined ? { uid: 0, gid: 0 } : {}),
    ...(e.xattrs !== undefined ? { xattrs: {} } : {}),
  }));
}

/** Groups of paths (of regular files) that share one inode, from a snapshot taken with `inodes: true`. */
export function hardlinkGroups(entries: readonly TreeEntry[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    if (e.type !== 'file' || !e.inode) continue;
    const g = groups.get(e.inode) ?? [];
    g.push(e.path);
    groups.set(e.inode, g);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}
