import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../errors.js';

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
}

const ADDON = '../../build/Release/osgit_native.node';
let addon: NativeAddon | null = null;

/** The addon, or NATIVE_MISSING naming the file and how to build it. */
export function native(): NativeAddon {
  if (addon) return addon;
  const path = fileURLToPath(new URL(ADDON, import.meta.url));
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (cause) {
    throw new StoreError(
      'NATIVE_MISSING',
      `osgit's native addon cannot be loaded from ${path}; build it with 'npm run build:native -w @osgit/store' (needs gcc, make, python3)`,
      { path },
      { cause },
    );
  }
  return addon;
}

/** A system call error from the addon as a typed StoreError (the errno name stays in `data`). */
export function nativeIoError(err: unknown, what: string, path: string): StoreError {
  const code = (err as NodeJS.ErrnoException).code;
  const message = (err as Error).message ?? String(err);
  return new StoreError(
    code === 'ENOSPC' || code === 'EDQUOT' ? 'NO_SPACE' : 'IO',
    `${what} ${path}: ${message}`,
    { path, errno: code ?? null },
    { cause: err },
  );
}
