import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Repo } from './repo.js';
import { type FileLock, tryLockFile } from '../fsio/file-lock.js';

const STAGING_PREFIX = 'osgit-staging-';
const LOCK_SUFFIX = '.lock';

/**
 * Creates this transaction's staging folder `tmp/osgit-staging-<random>` (not `staging-*`:
 * OSTree reuses such folders of the current boot, and would rename whatever a killed osgit left
 * half-written there into objects/). Its lock file `<folder>.lock` is created and locked first,
 * and the folder made only once the lock is known to be on the file that carries that name, so
 * no other process's cleanup can ever see the folder unlocked.
 */
export async function makeStaging(repo: Repo): Promise<{ dir: string; stagingLock: FileLock }> {
  const tmp = join(repo.path, 'tmp');
  await fs.mkdir(tmp, { recursive: true });
  for (;;) {
    const dir = join(tmp, `${STAGING_PREFIX}${randomBytes(8).toString('hex')}`);
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
 */
export async function removeStaleStaging(repo: Repo): Promise<void> {
  const tmp = join(repo.path, 'tmp');
  let names: string[];
  try {
    names = await fs.readdir(tmp);
  } catch {
    return;
  }
  const folders = new Set<string>();
  for (const name of names) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    folders.add(name.endsWith(LOCK_SUFFIX) ? name.slice(0, -LOCK_SUFFIX.length) : name);
  }
  for (const folder of folders) {
    const dir = join(tmp, folder);
    const lock = await tryLockFile(dir + LOCK_SUFFIX, { exclusive: true, create: false });
    // null: held by a live transaction, or there is no lock file (then the folder is no one's).
    if (lock === null && (await exists(dir + LOCK_SUFFIX))) continue;
    try {
      await fs.rm(dir, { recursive: true, force: true });
      if (lock) await fs.rm(lock.path, { force: true });
    } finally {
      await lock?.release();
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return false;
    throw err;
  });
}
