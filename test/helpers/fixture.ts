/**
 * Builds, in code and with fixed contents, a small tree holding every kind of entry an OS tree
 * has, so that commit/checkout interop tests can assert exact checksums and exact round-trips.
 *
 * Order matters when building: chown clears setuid/setgid and security.capability, and writing
 * a file clears setuid/capabilities too, so each entry is written, then chowned, then chmodded,
 * and xattrs come last.
 */
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lchownSync,
  linkSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeFileSync,
  writeSync,
  ftruncateSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { setAttributeSync } from '@napi-rs/xattr';
import { prngBytes } from './prng.js';
import { isRoot } from './tools.js';

export interface FixtureOptions {
  /** Include the ~3 MiB pseudo-random file and the 20 MiB sparse file (default true). */
  bigFiles?: boolean;
  /** Give some entries other uids/gids (default: true when running as root). */
  ownership?: boolean;
  /** Set user.* xattrs (default true). */
  xattrs?: boolean;
  /** Set security.capability on bin/ping (default: true when running as root). */
  capability?: boolean;
}

export type FixtureKind = 'file' | 'dir' | 'symlink';

export interface FixtureEntry {
  /** Path relative to the fixture root, '/'-separated; '' is the root itself. */
  path: string;
  kind: FixtureKind;
  /** Permission bits including setuid/setgid/sticky (st_mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Symlink target. */
  target?: string;
  /** File size in bytes. */
  size?: number;
  /** xattrs as set (including ones ostree drops, see `droppedXattrs`). */
  xattrs: Record<string, Buffer>;
}

export interface FixtureDescription {
  root: string;
  entries: FixtureEntry[];
  /** Groups of paths that are one inode (hardlinks). */
  hardlinks: string[][];
  /** Sparse file: apparent size and the offsets where data was written. */
  sparse: { path: string; size: number; dataAt: { offset: number; data: Buffer }[] } | null;
  /** Path of the file carrying security.capability (null when not set). */
  capabilityPath: string | null;
  /** xattrs that were set but that ostree drops (empty values). */
  droppedXattrs: { path: string; name: string }[];
  /** Paths that have setuid, setgid or sticky bits (lost under canonical permissions). */
  specialModePaths: string[];
  /** Paths not owned by 0:0. */
  ownedPaths: string[];
}

/** vfs_cap_data revision 2 for `cap_net_raw+ep` (what `setcap cap_net_raw+ep` writes). */
export const CAP_NET_RAW_EP = Buffer.from('0100000200200000000000000000000000000000', 'hex');

/**
 * What `ostree commit` gives for the fixture (built as root) with `FIXTURE_COMMIT_ARGS`: the same in
 * archive, bare and bare-user repos. bare-user-only repos force canonical permissions and give
 * `FIXTURE_COMMIT_CANONICAL` (equal to `--canonical-permissions` elsewhere). Pinned by
 * test/helpers.test.ts, so a change to the fixture is noticed and these are updated on purpose.
 */
export const FIXTURE_COMMIT_ARGS = ['-b', 'test/main', '--timestamp=@1577836800'] as const;
export const FIXTURE_COMMIT = 'd20840133a2750b319415da1083f84d29271c3cf86c85046c2255fc55bb24928';
export const FIXTURE_COMMIT_CANONICAL = '1d8cc09d2f0beaf6b58d0c876fb84d5c524c0bb5e1b4998c71c612230e211443';

export const LARGE_FILE_SIZE = 3 * 1024 * 1024 + 12345;
export const SPARSE_FILE_SIZE = 20 * 1024 * 1024;

/** Builds the fixture tree under `dir` (created if missing; must be empty) and describes it. */
export function makeFixtureTree(dir: string, opts: FixtureOptions = {}): FixtureDescription {
  const bigFiles = opts.bigFiles ?? true;
  const ownership = opts.ownership ?? isRoot;
  const xattrs = opts.xattrs ?? true;
  const capability = opts.capability ?? isRoot;

  const entries: FixtureEntry[] = [];
  const droppedXattrs: { path: string; name: string }[] = [];
  const at = (p: string) => (p === '' ? dir : join(dir, p));

  const record = (e: Omit<FixtureEntry, 'uid' | 'gid' | 'xattrs'> & Partial<FixtureEntry>): FixtureEntry => {
    const entry: FixtureEntry = { uid: 0, gid: 0, xattrs: {}, ...e };
    entries.push(entry);
    return entry;
  };
  const setOwner = (e: FixtureEntry, uid: number, gid: number) => {
    if (!ownership) return;
    if (e.kind === 'symlink') lchownSync(at(e.path), uid, gid);
    else chownSync(at(e.path), uid, gid);
    e.uid = uid;
    e.gid = gid;
  };
  const setXattr = (e: FixtureEntry, name: string, value: Buffer | string) => {
    const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    setAttributeSync(at(e.path), name, buf);
    e.xattrs[name] = buf;
    if (buf.length === 0) droppedXattrs.push({ path: e.path, name });
  };
  const mkdir = (path: string, mode = 0o755): FixtureEntry => {
    mkdirSync(at(path), { recursive: path === '' });
    chmodSync(at(path), mode);
    return record({ path, kind: 'dir', mode });
  };
  const file = (path: string, content: Buffer | string, mode = 0o644): FixtureEntry => {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    writeFileSync(at(path), data);
    chmodSync(at(path), mode);
    return record({ path, kind: 'file', mode, size: data.length });
  };
  const symlink = (path: string, target: string): FixtureEntry => {
    symlinkSync(target, at(path));
    return record({ path, kind: 'symlink', mode: 0o777, target });
  };

  if (existsSync(dir)) {
    // mkdtemp gives 0700; the fixture root is a normal 0755 directory.
    chmodSync(dir, 0o755);
    record({ path: '', kind: 'dir', mode: 0o755 });
  } else {
    mkdir('');
  }

  // Regular files.
  file('empty', '');
  const hello = file('hello.txt', 'hello world\n');
  file('private', 'secret\n', 0o600);
  file('group-writable', 'shared among a group\n', 0o664);
  if (xattrs) {
    setXattr(hello, 'user.zeta', 'last');
    setXattr(hello, 'user.alpha', Buffer.from('first\0bin', 'latin1'));
    setXattr(hello, 'user.empty', ''); // ostree drops empty xattr values
  }

  let sparse: FixtureDescription['sparse'] = null;
  if (bigFiles) {
    file('large.bin', prngBytes(0x05_6a_17, LARGE_FILE_SIZE));
    // Sparse file: holes around three small islands of data, the last one ending the file.
    const dataAt = [
      { offset: 0, data: Buffer.from('sparse head\n') },
      { offset: 5 * 1024 * 1024 + 123, data: prngBytes(7, 4096) },
      { offset: SPARSE_FILE_SIZE - 9, data: Buffer.from('the end!\n') },
    ];
    const fd = openSync(at('sparse.img'), 'w', 0o644);
    try {
      ftruncateSync(fd, SPARSE_FILE_SIZE);
      for (const { offset, data } of dataAt) writeSync(fd, data, 0, data.length, offset);
    } finally {
      closeSync(fd);
    }
    chmodSync(at('sparse.img'), 0o644);
    record({ path: 'sparse.img', kind: 'file', mode: 0o644, size: SPARSE_FILE_SIZE });
    sparse = { path: 'sparse.img', size: SPARSE_FILE_SIZE, dataAt };
  }

  // Hardlinks: two names, one inode.
  const hlA = file('hardlink-a', 'one inode, two names\n');
  linkSync(at('hardlink-a'), at('hardlink-b'));
  const hlB = record({ path: 'hardlink-b', kind: 'file', mode: hlA.mode, size: hlA.size ?? 0 });
  if (xattrs) {
    // Set through one name, visible through both.
    setXattr(hlA, 'user.linked', 'yes');
    hlB.xattrs['user.linked'] = Buffer.from('yes');
  }

  // Executables and special permission bits.
  mkdir('bin');
  file('bin/tool', '#!/bin/sh\necho tool\n', 0o755);
  file('bin/suid', '#!/bin/sh\necho suid\n', 0o4755);
  file('bin/sgid', '#!/bin/sh\necho sgid\n', 0o2755);
  const ping = file('bin/ping', '#!/bin/sh\necho ping\n', 0o755);
  let capabilityPath: string | null = null;
  if (capability) {
    setXattr(ping, 'security.capability', CAP_NET_RAW_EP);
    capabilityPath = ping.path;
  }
  mkdir('tmp', 0o1777);
  mkdir('shared', 0o2775);
  file('shared/notes.txt', 'setgid directory\n', 0o664);

  // Symlinks of every flavour.
  mkdir('links');
  symlink('links/absolute', '/etc/hostname');
  symlink('links/relative', '../hello.txt');
  symlink('links/dangling', 'does/not/exist');
  symlink('links/to-dir', '../nested');
  symlink('links/self-dir', '.');

  // Directories: empty and nested.
  mkdir('empty-dir');
  mkdir('nested');
  mkdir('nested/a');
  mkdir('nested/a/b');
  mkdir('nested/a/b/c');
  file('nested/a/b/c/deep.txt', 'deep down\n');
  mkdir('nested/a/b/empty', 0o700);
  file('nested/a/sibling.txt', 'a sibling\n');

  // Non-ASCII names and names with spaces.
  mkdir('café');
  file('café/日本語.txt', 'こんにちは\n');
  file('café/name with spaces.txt', 'spaces\n');
  file('café/Ünïcödé ✓', 'mixed\n');

  // Directory with xattrs (one empty, dropped by ostree).
  const xdir = mkdir('xattr-dir');
  const xfile = file('xattr-dir/file', 'file with xattrs\n');
  if (xattrs) {
    setXattr(xdir, 'user.dirattr', 'd');
    setXattr(xdir, 'user.dirempty', '');
    setXattr(xfile, 'user.mime_type', 'text/plain');
    setXattr(xfile, 'user.binary', Buffer.from([0, 1, 2, 0xff, 0xfe]));
    setXattr(xfile, 'user.b', 'b');
    setXattr(xfile, 'user.a', 'a');
  }

  // Files and directories owned by other users/groups.
  const owned = mkdir('owned', 0o750);
  const ownedFile = file('owned/file', 'owned by 1234:5678\n', 0o640);
  const staff = file('owned/staff', 'owned by 0:100\n', 0o664);
  const ownedLink = symlink('owned/link', 'file');
  const ownedSuid = file('owned/suid-other', '#!/bin/sh\n', 0o4750);
  setOwner(owned, 1234, 5678);
  setOwner(ownedFile, 1234, 5678);
  setOwner(staff, 0, 100);
  setOwner(ownedLink, 1234, 5678);
  setOwner(ownedSuid, 1234, 5678);
  // chown cleared the setuid bit: restore it.
  chmodSync(at(ownedSuid.path), ownedSuid.mode);
  if (xattrs) setXattr(ownedFile, 'user.owner-note', 'not root');

  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    root: dir,
    entries,
    hardlinks: [['hardlink-a', 'hardlink-b']],
    sparse,
    capabilityPath,
    droppedXattrs,
    specialModePaths: entries.filter((e) => e.kind !== 'symlink' && (e.mode & 0o7000) !== 0).map((e) => e.path),
    ownedPaths: entries.filter((e) => e.uid !== 0 || e.gid !== 0).map((e) => e.path),
  };
}

/**
 * A second tree to commit after the fixture, on the same branch: the fixture without its big files,
 * plus a folder `added-dir` (0755) holding `new.txt` (0644). Everything else, hello.txt included, is
 * as in the fixture. Built under `dir` like `makeFixtureTree`; returns `dir`.
 */
export function makeSecondTree(dir: string): string {
  const root = makeFixtureTree(dir, { bigFiles: false }).root;
  mkdirSync(join(root, 'added-dir'));
  chmodSync(join(root, 'added-dir'), 0o755);
  writeFileSync(join(root, 'added-dir', 'new.txt'), 'new in the second commit\n');
  chmodSync(join(root, 'added-dir', 'new.txt'), 0o644);
  return root;
}

export interface GeneratedTreeOptions {
  /** Number of regular files (default 3000). */
  files?: number;
  /** Files per directory (default 100). */
  perDir?: number;
  /** Seed for contents and sizes. */
  seed?: number;
  /** Largest file size in bytes (default 32 KiB). */
  maxSize?: number;
}

/**
 * A bulk tree of many small deterministic files (for crash tests that need a commit taking
 * a while). Returns the number of files written.
 */
export function makeGeneratedTree(dir: string, opts: GeneratedTreeOptions = {}): number {
  const files = opts.files ?? 3000;
  const perDir = opts.perDir ?? 100;
  const seed = opts.seed ?? 1;
  const maxSize = opts.maxSize ?? 32 * 1024;
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const pool = prngBytes(seed, maxSize + 65536);
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `d${String(Math.floor(i / perDir)).padStart(3, '0')}`);
    if (i % perDir === 0) {
      mkdirSync(sub);
      chmodSync(sub, 0o755);
    }
    // Each file differs (its index is in it) so every file is a distinct object.
    const size = ((i * 2654435761) >>> 0) % maxSize;
    const start = ((i * 40503) >>> 0) % 65536;
    const path = join(sub, `f${String(i).padStart(5, '0')}.dat`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.concat([Buffer.from(`file ${i}\n`), pool.subarray(start, start + size)]));
    chmodSync(path, i % 7 === 0 ? 0o755 : 0o644);
  }
  return files;
}
