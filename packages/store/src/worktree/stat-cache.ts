import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Checksum } from '../checksum.js';
import { writeAtomicSync } from './state.js';
import type { TreeEntry, TreeIndex } from './head-tree.js';

/**
 * What the stat cache knows of one path when written: its checksum in the head commit (content
 * object for files and symlinks, dirmeta for folders) and, when it was seen on disk, the lstat
 * it had and the checksum its content had then.
 */
export interface CacheRecord {
  rel: string;
  head?: Checksum;
  headIsDir?: boolean;
  /** folders: the head's dirtree checksum */
  headTree?: Checksum;
  disk?: DiskStamp;
}

/**
 * A record to carry over unchanged from a loaded cache (its stamp and checksums, byte for byte):
 * a commit that changed 10 of 6.7k paths copies the others instead of re-encoding them.
 */
export interface CopiedRecord {
  rel: string;
  copyOf: { cache: StatCache; index: number };
}

/** The lstat fields the cache compares (a Node Stats has them; so does a scan's record). */
export interface StatLike {
  size: number;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** An lstat (as Node reports it: times in ms with sub-microsecond precision) and the checksum read under it. */
export interface DiskStamp {
  size: number;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  ctimeMs: number;
  sum: Checksum;
}

// Layout (little-endian): "OSGWTC04", head commit (32 bytes), record count (u32), 4 bytes of
// padding, then one 160-byte record per path (8 float64: size, ino, mode, uid, gid, mtimeMs,
// ctimeMs, flags; the head checksum; the disk checksum; a folder's head dirtree checksum), then
// the paths, NUL-separated, UTF-8.
// Fixed-size records are read in place through a Float64Array: loading costs one read and one
// split, and a path's stamp is compared without building any object (6.7k paths on rootfs-a).
const MAGIC = Buffer.from('OSGWTC04');
const HEADER = 48;
const RECORD = 160;
const F_HEAD = 1;
const F_DISK = 2;
const F_HEAD_DIR = 4;
const F_SAME = 8; // the disk checksum equals the head checksum
const F_TREE = 16; // a folder's head dirtree checksum follows

export function cachePath(stateDir: string): string {
  return join(stateDir, 'index');
}

/** A loaded stat cache, read in place. */
export class StatCache {
  private readonly f64: Float64Array;
  /** built on the first lookup the walk order does not predict */
  private index: Map<string, number> | null = null;
  /** where the next lookup is expected: records are saved in the order a walk meets them */
  private cursor = 0;
  /** lookups the order did not predict (a cache saved in another order is worth rewriting) */
  misses = 0;

  private constructor(
    private readonly buf: Buffer,
    readonly paths: string[],
    /** the commit whose checksums the head fields hold */
    readonly head: Checksum,
    /**
     * The cache file's mtime. A stamp whose mtime or ctime is not older may hide a change made
     * within the same clock tick after it was taken (git's "racily clean" entries): it is not
     * trusted, and the path is read again.
     */
    readonly writtenMs: number,
  ) {
    this.f64 = new Float64Array(buf.buffer, buf.byteOffset + HEADER, paths.length * (RECORD / 8));
  }

  /** Loads the cache; null when it is missing or damaged (everything is then read once). */
  static load(stateDir: string): StatCache | null {
    const path = cachePath(stateDir);
    try {
      const writtenMs = lstatSync(path).mtimeMs;
      const file = readFileSync(path);
      // A Float64Array needs an 8-byte aligned offset: copy when the pool gave another.
      const buf = file.byteOffset % 8 === 0 ? file : Buffer.from(new Uint8Array(file));
      if (buf.length < HEADER || !buf.subarray(0, 8).equals(MAGIC)) return null;
      const count = buf.readUInt32LE(40);
      const pathsStart = HEADER + count * RECORD;
      if (pathsStart > buf.length) return null;
      const paths = count === 0 ? [] : buf.toString('utf8', pathsStart).split('\0');
      if (paths.length !== count) return null;
      return new StatCache(buf, paths, buf.toString('hex', 8, 40), writtenMs);
    } catch {
      return null;
    }
  }

  get size(): number {
    return this.paths.length;
  }

  /** The record number of a path, or -1. */
  find(rel: string): number {
    if (this.paths[this.cursor] === rel) return this.cursor++;
    this.misses++;
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.paths.length; i++) this.index.set(this.paths[i]!, i);
    }
    const i = this.index.get(rel);
    if (i === undefined) return -1;
    this.cursor = i + 1;
    return i;
  }

  private flags(i: number): number {
    return this.f64[i * 20 + 7]!;
  }

  hasHead(i: number): boolean {
    return (this.flags(i) & F_HEAD) !== 0;
  }
  headIsDir(i: number): boolean {
    return (this.flags(i) & F_HEAD_DIR) !== 0;
  }
  hasDisk(i: number): boolean {
    return (this.flags(i) & F_DISK) !== 0;
  }

  headSum(i: number): Checksum {
    const off = HEADER + i * RECORD + 64;
    return this.buf.toString('hex', off, off + 32);
  }

  diskSum(i: number): Checksum {
    const off = HEADER + i * RECORD + 96;
    return this.buf.toString('hex', off, off + 32);
  }

  /** A folder's dirtree checksum in the head, when recorded. */
  headTree(i: number): Checksum | undefined {
    if ((this.flags(i) & F_TREE) === 0) return undefined;
    const off = HEADER + i * RECORD + 128;
    return this.buf.toString('hex', off, off + 32);
  }

  /** The disk checksum equals the head checksum (a flag written with the record: no hex made). */
  sameAsHead(i: number): boolean {
    return (this.flags(i) & F_SAME) !== 0;
  }

  /** matches() for an lstat kept in a scan's listing (scan.ts: mode, size, ino, uid, gid, mtimeMs, _, ctimeMs). */
  matchesAt(i: number, v: Float64Array, at: number): boolean {
    const f = this.f64;
    const b = i * 20;
    if ((f[b + 7]! & F_DISK) === 0) return false;
    const mtime = v[at + 5]!;
    const ctime = v[at + 7]!;
    return (
      f[b + 5] === mtime && f[b + 6] === ctime && f[b] === v[at + 1] && f[b + 1] === v[at + 2] &&
      f[b + 2] === v[at] && f[b + 3] === v[at + 3] && f[b + 4] === v[at + 4] &&
      mtime < this.writtenMs && ctime < this.writtenMs
    );
  }

  /** True when `st` is exactly the stat record `i` was stamped with, and the stamp is not racy. */
  matches(i: number, st: StatLike): boolean {
    const f = this.f64;
    const b = i * 20;
    if ((f[b + 7]! & F_DISK) === 0) return false;
    return (
      f[b + 5] === st.mtimeMs && f[b + 6] === st.ctimeMs && f[b] === st.size && f[b + 1] === st.ino &&
      f[b + 2] === st.mode && f[b + 3] === st.uid && f[b + 4] === st.gid &&
      st.mtimeMs < this.writtenMs && st.ctimeMs < this.writtenMs
    );
  }

  /** How many records have a head checksum. */
  headCount(): number {
    let n = 0;
    for (let i = 0; i < this.paths.length; i++) if (this.hasHead(i)) n++;
    return n;
  }

  /** The head tree as recorded here (valid when `head` is the worktree's head). */
  headIndex(): TreeIndex {
    return {
      get: (rel: string): TreeEntry | undefined => {
        const i = this.find(rel);
        if (i < 0 || !this.hasHead(i)) return undefined;
        const tree = this.headTree(i);
        return { sum: this.headSum(i), isDir: this.headIsDir(i), ...(tree ? { tree } : {}) };
      },
      has: (rel: string): boolean => {
        const i = this.find(rel);
        return i >= 0 && this.hasHead(i);
      },
      keys: (): string[] => this.paths.filter((_, i) => this.hasHead(i)),
    };
  }

  /** @internal copies record `i` (stamp, flags, checksums) to `target` at `offset` */
  copyRecord(i: number, target: Buffer, offset: number): void {
    this.buf.copy(target, offset, HEADER + i * RECORD, HEADER + (i + 1) * RECORD);
  }

  stamp(i: number): DiskStamp | undefined {
    if (!this.hasDisk(i)) return undefined;
    const f = this.f64;
    const b = i * 20;
    return { size: f[b]!, ino: f[b + 1]!, mode: f[b + 2]!, uid: f[b + 3]!, gid: f[b + 4]!, mtimeMs: f[b + 5]!, ctimeMs: f[b + 6]!, sum: this.diskSum(i) };
  }
}

export function stampOf(st: StatLike, sum: Checksum): DiskStamp {
  return { size: st.size, ino: st.ino, mode: st.mode, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, sum };
}

/** Writes the cache atomically (temp + rename); its own mtime becomes the racy-clean limit of what it holds. */
export function saveStatCache(stateDir: string, head: Checksum, records: Iterable<CacheRecord | CopiedRecord>): void {
  const list = [...records];
  const pathBytes = Buffer.from(list.map((r) => r.rel).join('\0'), 'utf8');
  const buf = Buffer.alloc(HEADER + list.length * RECORD + pathBytes.length);
  MAGIC.copy(buf, 0);
  buf.write(head, 8, 'hex');
  buf.writeUInt32LE(list.length, 40);
  const f64 = new Float64Array(buf.buffer, buf.byteOffset + HEADER, list.length * 20);
  list.forEach((r, i) => {
    const b = i * 20;
    const off = HEADER + i * RECORD;
    if ('copyOf' in r) {
      r.copyOf.cache.copyRecord(r.copyOf.index, buf, off);
      return;
    }
    let flags = 0;
    if (r.head) {
      flags |= F_HEAD | (r.headIsDir ? F_HEAD_DIR : 0);
      buf.write(r.head, off + 64, 'hex');
      if (r.headTree) {
        flags |= F_TREE;
        buf.write(r.headTree, off + 128, 'hex');
      }
    }
    if (r.disk) {
      const d = r.disk;
      flags |= F_DISK;
      f64[b] = d.size;
      f64[b + 1] = d.ino;
      f64[b + 2] = d.mode;
      f64[b + 3] = d.uid;
      f64[b + 4] = d.gid;
      f64[b + 5] = d.mtimeMs;
      f64[b + 6] = d.ctimeMs;
      buf.write(d.sum, off + 96, 'hex');
      if (d.sum === r.head) flags |= F_SAME;
    }
    f64[b + 7] = flags;
  });
  pathBytes.copy(buf, HEADER + list.length * RECORD);
  writeAtomicSync(cachePath(stateDir), buf);
}
