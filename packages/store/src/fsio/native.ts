import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../errors.js';
import { fsError } from './fs-error.js';

/**
 * The store's native addon (native/osgit_native.c, built by node-gyp at `npm ci`): OFD locks,
 * the lock libostree takes, and syncfs(2). Node has neither. Loaded on first use, so commands
 * that never lock or sync do not pay for it.
 */
export interface NativeAddon {
  /** Non-blocking OFD lock of the whole file: true when taken, false when a conflicting lock is held. */
  tryLock(fd: number, exclusive: boolean): boolean;
  /** Drops this open file's lock (closing the descriptor drops it too). */
  unlock(fd: number): void;
  /** syncfs(2) on libuv's thread pool. */
  syncfs(fd: number): Promise<void>;
  /** glibc's mallopt(M_ARENA_MAX, n) (see osgit_native.c); false where there is no such knob. */
  limitMallocArenas(n: number): boolean;
  /**
   * A folder's entries ("." and ".." left out) with their lstat: `stats` holds 9 numbers per
   * name (mode, size, ino, uid, gid, mtime s, mtime ns, ctime s, ctime ns). Never follows a
   * symlink, the folder's own last component included (ELOOP).
   */
  lstatDir(path: string): [names: string[], stats: Float64Array];
}

const ADDON = 'build/Release/osgit_native.node';
let addon: NativeAddon | null = null;

/** The addon, or NATIVE_MISSING naming the file and how to build it. */
export function native(): NativeAddon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  // Beside this file's package (src/ and dist/ are both two levels down); through the package
  // name when this code runs from somewhere else (a bundle of the CLI).
  const candidates = [fileURLToPath(new URL(`../../${ADDON}`, import.meta.url))];
  try {
    candidates.push(join(dirname(require.resolve('@osgit/store/package.json')), ADDON));
  } catch {
    /* not resolvable from here: the first candidate is the only one */
  }
  let cause: unknown;
  for (const path of candidates) {
    try {
      addon = require(path) as NativeAddon;
      return addon;
    } catch (err) {
      cause ??= err;
    }
  }
  throw new StoreError(
    'NATIVE_MISSING',
    `osgit's native addon cannot be loaded from ${candidates[0]}; build it with 'npm run build:native -w @osgit/store' (needs gcc, make, python3)`,
    { path: candidates[0] },
    { cause },
  );
}

/** A system call error from the addon as a typed StoreError (the errno name stays in `data`). */
export function nativeIoError(err: unknown, what: string, path: string): StoreError {
  const named = fsError(err, { action: what, path });
  if (named instanceof StoreError) return named;
  const message = (err as Error).message ?? String(err);
  return new StoreError('IO', `${what} ${path}: ${message}`, { path, errno: null }, { cause: err });
}
