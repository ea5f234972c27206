import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreError } from '../errors.js';
import { processAlive } from '../fsio/process-alive.js';

/**
 * Cross-process repository lock: many shared holders (writers) or one exclusive holder (prune).
 * Node has no flock/fcntl, so holders are marker files under `<repo>/osgit/locks/` naming their
 * pid; markers of dead processes are stale and removed by whoever finds them, so a SIGKILLed
 * holder never wedges the repo. Both sides publish first and check second, so a shared and an
 * exclusive holder can never both believe they hold the lock.
 */
export type LockKind = 'shared' | 'exclusive';

export interface LockOptions {
  /** give up after this many milliseconds (OSTree's lock-timeout-secs default is 30 s) */
  timeoutMs?: number;
}

export interface RepoLock {
  readonly kind: LockKind;
  release(): Promise<void>;
}

const EXCLUSIVE = 'exclusive';

export async function acquireLock(repoPath: string, kind: LockKind, opts: LockOptions = {}): Promise<RepoLock> {
  const dir = join(repoPath, 'osgit', 'locks');
  await fs.mkdir(dir, { recursive: true });
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const marker = kind === 'shared' ? join(dir, `shared.${process.pid}.${randomBytes(4).toString('hex')}`) : join(dir, EXCLUSIVE);
  let delay = 5;
  for (;;) {
    if (kind === 'shared') {
      await fs.writeFile(marker, `${process.pid}\n`);
      if (!(await liveExclusive(dir))) return release(kind, marker);
      await fs.rm(marker, { force: true });
    } else if (await tryCreateExclusive(marker)) {
      if (await waitNoShared(dir, deadline)) return release(kind, marker);
      await fs.rm(marker, { force: true });
      throw locked(repoPath, kind);
    }
    if (Date.now() > deadline) throw locked(repoPath, kind);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
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

function release(kind: LockKind, marker: string): RepoLock {
  let released = false;
  return {
    kind,
    async release() {
      if (released) return;
      released = true;
      await fs.rm(marker, { force: true });
    },
  };
}

function locked(repoPath: string, kind: LockKind): StoreError {
  return new StoreError('REPO_LOCKED', `timed out waiting for the ${kind} lock of ${repoPath} (another osgit process holds it)`, { repo: repoPath, kind });
}

async function ownerOf(path: string): Promise<number | null> {
  try {
    return Number((await fs.readFile(path, 'utf8')).trim());
  } catch {
    return null;
  }
}

async function liveExclusive(dir: string): Promise<boolean> {
  const path = join(dir, EXCLUSIVE);
  const pid = await ownerOf(path);
  if (pid === null) return false;
  if (processAlive(pid)) return true;
  await fs.rm(path, { force: true });
  return false;
}

async function tryCreateExclusive(path: string): Promise<boolean> {
  try {
    await fs.writeFile(path, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await liveExclusive(join(path, '..'));
    return false;
  }
}

async function waitNoShared(dir: string, deadline: number): Promise<boolean> {
  for (;;) {
    let live = 0;
    for (const name of await fs.readdir(dir)) {
      if (!name.startsWith('shared.')) continue;
      const pid = Number(name.split('.')[1]);
      if (processAlive(pid)) live++;
      else await fs.rm(join(dir, name), { force: true });
    }
    if (live === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
