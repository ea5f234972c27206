import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Repo } from './repo.js';
import { type FileLock, tryLockFile } from '../fsio/file-lock.js';
import { adoptStagedObjects } from './adopt-staging.js';

const STAGING_PREFIX = 'osgit-staging-';
const LOCK_SUFFIX = '.lock';

let cachedBootId: string | undefined;

/**
 * This boot's id without dashes (32 hex), '' where the kernel does not tell (then no folder is
 * ever adopted). Staging folders carry it, as OSTree's `staging-<bootid>-<random>` do: a folder
 * of another boot may hold files torn by a power loss, one of this boot only what its writer left.
 */
export function bootId(): string {
  if (cachedBootId === undefined) {
    let id = '';
    try {
      id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replaceAll('-', '').toLowerCase();
    } catch {
      // not Linux: nothing is adopted
    }
    cachedBootId = /^[0-9a-f]{32}$/.test(id) ? id : '';
  }
  return cachedBootId;
}

/** The boot id a staging folder's name carries ('' for the names of older osgit versions). */
function bootOf(folder: string): string {
  return /^osgit-staging-([0-9a-f]{32})-[0-9a-f]{16}$/.exec(folder)?.[1] ?? '';
}

/**
 * Creates this transaction's staging folder `tmp/osgit-staging-<bootid>-<random>` (not `staging-*`:
 * OSTree reuses such folders of the current boot, and would rename whatever a killed osgit left
 * half-written there into objects/). Its lock file `<folder>.lock` is created and locked first,
 * and the folder made only once the lock is known to be on the file that carries that name, so
 * no other process's cleanup can ever see the folder unlocked.
 */
export async function makeStaging(repo: Repo): Promise<{ dir: string; stagingLock: FileLock }> {
  const tmp = join(repo.path, 'tmp');
  await fs.mkdir(tmp, { recursive: true });
  for (;;) {
    const boot = bootId();
    const dir = join(tmp, `${STAGING_PREFIX}${boot ? `${boot}-` : ''}${randomBytes(8).toString('hex')}`);
    const stagingLock = await tryLockFile(dir + LOCK_SUFFIX, { exclusive: true, mode: 0o600 });
    if (!stagingLock) continue;
    // A cleanup that opened the file before we locked it may have unlinked it: pick a new name.
    if (!(await stagingLock.stillLinked())) {
      await stagingLock.release();
      continue;
    }
    try {
      await fs.mkdir(dir);
    } catch (err) {
      await fs.rm(stagingLock.path, { force: true });
      await stagingLock.release();
      throw err;
    }
    return { dir, stagingLock };
  }
}

/**
 * Removes staging folders nobody owns: the lock file beside each is taken without waiting (a
 * live transaction holds it; the kernel dropped it if its owner died), then the folder goes,
 * then the lock file. A folder without a lock file is left from an older osgit or a removal cut
 * short, since a live one always has its lock file before it exists.
 * `adoptInto` (a live transaction's own staging folder): a dead folder of this boot first gives
 * it its verified objects (adopt-staging.ts), so a killed pull resumes without fetching them again.
 * `keepAdoptableSince` (a time in ms, for prune, which cannot adopt): a dead folder of this boot
 * changed since then is left for the next transaction to adopt.
 * Returns the folders removed.
 */
export async function removeStaleStaging(repo: Repo, opts: { adoptInto?: string; keepAdoptableSince?: number } = {}): Promise<string[]> {
  const tmp = join(repo.path, 'tmp');
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(tmp);
  } catch {
    return removed;
  }
  const folders = new Set<string>();
  for (const name of names) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    folders.add(name.endsWith(LOCK_SUFFIX) ? name.slice(0, -LOCK_SUFFIX.length) : name);
  }
  const boot = bootId();
  for (const folder of folders) {
    const dir = join(tmp, folder);
    if (dir === opts.adoptInto) continue;
    const lock = await tryLockFile(dir + LOCK_SUFFIX, { exclusive: true, create: false });
    // null: held by a live transaction, or there is no lock file (then the folder is no one's).
    if (lock === null && (await exists(dir + LOCK_SUFFIX))) continue;
    try {
      // Only under the dead folder's lock: no other transaction adopts or removes it meanwhile.
      const sameBoot = lock !== null && boot !== '' && bootOf(folder) === boot;
      if (sameBoot && opts.keepAdoptableSince !== undefined) {
        const st = await fs.lstat(dir).catch(() => null);
        if (st && st.mtimeMs >= opts.keepAdoptableSince) continue;
      }
      if (sameBoot && opts.adoptInto !== undefined) await adoptStagedObjects(repo, dir, opts.adoptInto);
      await fs.rm(dir, { recursive: true, force: true });
      if (lock) await fs.rm(lock.path, { force: true });
      removed.push(folder);
    } finally {
      await lock?.release();
    }
  }
  return removed;
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return false;
    throw err;
  });
}
