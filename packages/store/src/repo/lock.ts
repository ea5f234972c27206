import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { lockFile } from '../fsio/file-lock.js';
import { KeyFile } from './keyfile.js';

/**
 * The repository lock, the very lock libostree takes (src/libostree/ostree-repo.c): an OFD lock
 * on `<repo>/.lock`, shared for writers (commit, pull, transactions), exclusive for prune. So
 * osgit and `ostree` exclude each other, and so do two osgit processes or two holders in one
 * process (each acquisition opens the file anew). The kernel drops the lock of a process that
 * dies, so a killed holder never wedges the repository.
 *
 * As in ostree, `[core] lock-timeout-secs` bounds the wait (default 30, -1 waits forever) and
 * `[core] locking=false` turns locking off.
 */
export type LockKind = 'shared' | 'exclusive';

export interface LockOptions {
  /** give up after this many milliseconds instead of the repo's lock-timeout-secs */
  timeoutMs?: number;
}

export interface RepoLock {
  readonly kind: LockKind;
  release(): Promise<void>;
}

/** ostree 2022.7's default `lock-timeout-secs` (measured: `ostree commit` gives up after 30 s). */
export const DEFAULT_LOCK_TIMEOUT_SECS = 30;

/** Takes the repository lock, waiting up to the timeout; REPO_LOCKED (exit 5) if it never comes free. */
export async function acquireLock(repoPath: string, kind: LockKind, opts: LockOptions = {}): Promise<RepoLock> {
  const settings = await readLockSettings(repoPath);
  if (!settings.locking) return { kind, release: async () => undefined };
  const timeoutMs = opts.timeoutMs ?? settings.timeoutMs;
  const path = join(repoPath, '.lock');
  // 0660 less the umask, as libostree creates it.
  const lock = await lockFile(path, { exclusive: kind === 'exclusive', timeoutMs, mode: 0o660 });
  if (!lock) {
    const waited = timeoutMs === 0 ? 'cannot take' : `timed out after ${formatMs(timeoutMs)} waiting for`;
    throw new StoreError(
      'REPO_LOCKED',
      `${waited} the ${kind} lock on ${path}: another process (osgit or ostree) holds it`,
      { repo: repoPath, lockFile: path, kind, timeoutMs },
    );
  }
  return { kind, release: () => lock.release() };
}

/** Runs `fn` holding the lock, and releases it whatever happens. */
export async function withLock<T>(repoPath: string, kind: LockKind, fn: () => Promise<T>, opts?: LockOptions): Promise<T> {
  const lock = await acquireLock(repoPath, kind, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

interface LockSettings {
  locking: boolean;
  /** Infinity for lock-timeout-secs=-1 */
  timeoutMs: number;
}

/** `[core] locking` and `lock-timeout-secs` from the repo's config (defaults when there is none). */
async function readLockSettings(repoPath: string): Promise<LockSettings> {
  let text: string;
  try {
    text = await fs.readFile(join(repoPath, 'config'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { locking: true, timeoutMs: DEFAULT_LOCK_TIMEOUT_SECS * 1000 };
    throw err;
  }
  return lockSettings(new KeyFile(text));
}

export function lockSettings(config: KeyFile): LockSettings {
  const locking = config.getBoolean('core', 'locking', true);
  const raw = config.get('core', 'lock-timeout-secs');
  if (raw === undefined) return { locking, timeoutMs: DEFAULT_LOCK_TIMEOUT_SECS * 1000 };
  const secs = Number(raw.trim());
  if (!/^\s*-?\d+\s*$/.test(raw) || secs < -1) {
    throw new StoreError('REPO_CONFIG', `core.lock-timeout-secs must be a whole number of seconds or -1, not ${JSON.stringify(raw)}`, { value: raw });
  }
  return { locking, timeoutMs: secs === -1 ? Infinity : secs * 1000 };
}
