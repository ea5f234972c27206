import { promises as fs, constants } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { native, nativeIoError } from './native.js';

/**
 * A held OFD lock (see native/osgit_native.c): it belongs to this open file, so two holders in
 * one process exclude each other, and the kernel drops it when the process dies, however it
 * dies. Nothing is ever stale and the lock file is never deleted.
 */
export interface FileLock {
  readonly path: string;
  /** True while `path` still names the file this lock is on (nobody unlinked or replaced it). */
  stillLinked(): Promise<boolean>;
  /** Drops the lock and closes the file; idempotent. */
  release(): Promise<void>;
}

export interface LockFileOptions {
  exclusive: boolean;
  /** 0 = one try; Infinity = wait as long as it takes */
  timeoutMs: number;
  /** file mode when the lock file is created */
  mode?: number;
  /** false: a missing lock file is not created, and the answer is null */
  create?: boolean;
}

const FIRST_DELAY_MS = 10;
const MAX_DELAY_MS = 250;

/**
 * Opens (creating it if needed) `path` and takes its lock, polling without blocking the event
 * loop (10 ms doubling up to 250 ms) until `timeoutMs` has passed; null if it never came free.
 */
export async function lockFile(path: string, opts: LockFileOptions): Promise<FileLock | null> {
  const addon = native();
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDWR | (opts.create === false ? 0 : constants.O_CREAT), opts.mode ?? 0o644);
  } catch (err) {
    if (opts.create === false && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw nativeIoError(err, 'cannot open the lock file', path);
  }
  try {
    const deadline = Date.now() + opts.timeoutMs;
    let delay = FIRST_DELAY_MS;
    for (;;) {
      if (addon.tryLock(handle.fd, opts.exclusive)) return held(path, handle);
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  } catch (err) {
    await handle.close();
    throw nativeIoError(err, 'cannot lock', path);
  }
  await handle.close();
  return null;
}

/** One non-blocking try: the lock, or null when someone else holds a conflicting one. */
export function tryLockFile(path: string, opts: Omit<LockFileOptions, 'timeoutMs'>): Promise<FileLock | null> {
  return lockFile(path, { ...opts, timeoutMs: 0 });
}

function held(path: string, handle: fs.FileHandle): FileLock {
  let released: Promise<void> | null = null;
  return {
    path,
    async stillLinked() {
      const [mine, named] = await Promise.all([handle.stat(), fs.stat(path).catch(() => null)]);
      return named !== null && named.dev === mine.dev && named.ino === mine.ino;
    },
    release() {
      released ??= (async () => {
        try {
          native().unlock(handle.fd);
        } finally {
          // Closing drops the lock even if the explicit unlock failed.
          await handle.close();
        }
      })();
      return released;
    },
  };
}
