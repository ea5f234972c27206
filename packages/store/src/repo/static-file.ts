import { closeSync, constants, createReadStream, fstatSync, openSync, readSync, realpathSync, type BigIntStats, type ReadStream } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Repo } from './repo.js';
import { errnoOf, fsError } from '../fsio/fs-error.js';

/**
 * The files of OSTree's static ("dumb HTTP") layout (reference/ostree-formats.md §5, §7): what
 * any static web server hosting an archive repository hands out, and nothing else. `object` is
 * content-addressed and never changes; `delta` parts and superblocks are named by the commits
 * they join; every other kind is rewritten in place as the repository moves on (`commitmeta`
 * gains signatures, `delta-index` gains deltas).
 */
export type StaticFileKind = 'config' | 'summary' | 'summary-sig' | 'ref' | 'object' | 'commitmeta' | 'delta' | 'delta-index';

/** One component of a ref's path: no empty, `.`/`..` or dot-file names (temporary and lock files are dot-files). */
const REF_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const OBJECT_DIR = /^[0-9a-f]{2}$/;
const OBJECT_FILE = /^[0-9a-f]{62}\.(commit|dirtree|dirmeta|filez|commitmeta|tombstone-commit)$/;
/** OSTree's "modified base64" (`/` written `_`, no padding) of a 32-byte checksum: 43 characters, split 2 + 41. */
const B64_HEAD = /^[A-Za-z0-9+_]{2}$/;
const DELTA_DIR = /^[A-Za-z0-9+_]{41}(-[A-Za-z0-9+_]{43})?$/;
const DELTA_FILE = /^(superblock|0|[1-9][0-9]{0,5})$/;
const DELTA_INDEX_FILE = /^[A-Za-z0-9+_]{41}\.index$/;
const MAX_REF_DEPTH = 32;

/**
 * Which servable file `segments` (a path below the repository, already split on `/` and
 * percent-decoded) names, or null for anything outside the static layout: `tmp/`, `state/`,
 * `extensions/`, `osgit/`, locks, bare-mode `.file` objects, dot-files, `..`. Pure.
 */
export function classifyStaticPath(segments: readonly string[]): StaticFileKind | null {
  const [top, ...rest] = segments;
  switch (top) {
    case 'config':
      return rest.length === 0 ? 'config' : null;
    case 'summary':
      return rest.length === 0 ? 'summary' : null;
    case 'summary.sig':
      return rest.length === 0 ? 'summary-sig' : null;
    case 'refs': {
      const [area, ...name] = rest;
      if (area !== 'heads' && area !== 'mirrors' && area !== 'remotes') return null;
      if (name.length === 0 || name.length > MAX_REF_DEPTH) return null;
      return name.every((s) => REF_SEGMENT.test(s)) ? 'ref' : null;
    }
    case 'objects': {
      if (rest.length !== 2 || !OBJECT_DIR.test(rest[0]!)) return null;
      const m = OBJECT_FILE.exec(rest[1]!);
      if (!m) return null;
      return m[1] === 'commitmeta' || m[1] === 'tombstone-commit' ? 'commitmeta' : 'object';
    }
    case 'deltas':
      return rest.length === 3 && B64_HEAD.test(rest[0]!) && DELTA_DIR.test(rest[1]!) && DELTA_FILE.test(rest[2]!) ? 'delta' : null;
    case 'delta-indexes':
      return rest.length === 2 && B64_HEAD.test(rest[0]!) && DELTA_INDEX_FILE.test(rest[1]!) ? 'delta-index' : null;
    default:
      return null;
  }
}

/** An open servable file: stream it (whole or a byte range), or close it unread. */
export interface StaticFile {
  kind: StaticFileKind;
  size: number;
  /** Modification time in nanoseconds and inode number: with the size, they tell one version of the file from the next. */
  mtimeNs: bigint;
  ino: bigint;
  mtime: Date;
  /** Streams bytes [start, end] (inclusive; the whole file by default) and closes the file at the end. */
  stream(range?: { start: number; end: number }): ReadStream;
  /**
   * Reads bytes [start, end] (the whole file by default) into memory in one read, and closes the
   * file: for small files (metadata objects, refs), where a stream costs more than the bytes.
   * The caller keeps it to sizes it is willing to hold.
   */
  readSmall(range?: { start: number; end: number }): Promise<Buffer>;
  /** Closes the file when it is not streamed (HEAD, 304). Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the file at `relPath` (`/`-separated, below the repository) for serving, or returns null
 * when it is not part of the static layout, does not exist, is not a regular file, or resolves
 * (through symbolic links) to anything outside the layout of this repository. Never reads the
 * file into memory. Other failures are StoreErrors (PERMISSION_DENIED, IO).
 *
 * Resolving, opening and stat-ing are direct system calls, as the store reads metadata objects:
 * on files this small a thread-pool round trip costs more than the call (a pull asks for
 * thousands of them); the bytes themselves are read as the caller chooses (readSmall, stream).
 */
export async function openStaticFile(repo: Repo, relPath: string): Promise<StaticFile | null> {
  const segments = relPath.split('/');
  const kind = classifyStaticPath(segments);
  if (kind === null) return null;
  const path = join(repo.path, ...segments);
  let fd: number;
  try {
    const root = realRoot(repo);
    const real = realpathSync.native(path);
    // A symbolic link may point anywhere: what it resolves to must itself be a servable file of
    // this repository, of the same kind (a ref linking to ../../tmp/x or /etc/passwd is not).
    const inside = relative(root, real);
    if (inside.startsWith('..') || inside === '' || classifyStaticPath(inside.split(sep)) !== kind) return null;
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    if (isAbsent(cause)) return null;
    throw fsError(cause, { action: 'cannot open', path });
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    closeSync(fd);
  };
  let st: BigIntStats;
  try {
    st = fstatSync(fd, { bigint: true });
  } catch (cause) {
    await close();
    throw fsError(cause, { action: 'cannot read', path });
  }
  if (!st.isFile()) {
    await close();
    return null;
  }
  const size = Number(st.size);
  return {
    kind,
    size,
    mtimeNs: st.mtimeNs,
    ino: st.ino,
    mtime: new Date(Number(st.mtimeMs)),
    stream(range) {
      closed = true; // the stream owns the descriptor now and closes it when it ends or is destroyed
      const start = range?.start ?? 0;
      const end = range?.end ?? size - 1;
      // An explicit end also keeps the stream from allocating a 64 KiB buffer for a 300-byte file.
      return createReadStream('', { fd, start, end: Math.max(start, end), autoClose: true });
    },
    async readSmall(range) {
      try {
        const start = range?.start ?? 0;
        const length = (range?.end ?? size - 1) - start + 1;
        const buf = Buffer.allocUnsafe(Math.max(0, length));
        let got = 0;
        while (got < length) {
          const n = readSync(fd, buf, got, length - got, start + got);
          if (n === 0) break; // shrank under us: serve what is there, never stale memory
          got += n;
        }
        return buf.subarray(0, got);
      } catch (cause) {
        throw fsError(cause, { action: 'cannot read', path });
      } finally {
        await close();
      }
    },
    close,
  };
}

/** The repository folder with every symbolic link resolved, once per open Repo (a server asks on every request). */
const realRoots = new WeakMap<Repo, string>();
function realRoot(repo: Repo): string {
  let hit = realRoots.get(repo);
  if (hit === undefined) {
    hit = realpathSync.native(repo.path);
    realRoots.set(repo, hit);
  }
  return hit;
}

/** Errors that mean "no such servable file": missing, a file where a folder was expected, a symlink loop or a symlink where O_NOFOLLOW forbids one. */
function isAbsent(cause: unknown): boolean {
  const errno = errnoOf(cause);
  return errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'ELOOP' || errno === 'EISDIR' || errno === 'ENAMETOOLONG';
}
