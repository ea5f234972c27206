import { promises as fs, constants } from 'node:fs';
import { native, nativeIoError } from './native.js';

/**
 * Flushes the filesystem holding `path` with syncfs(2) (on libuv's thread pool): one call makes
 * every object written so far durable, instead of one fsync per object. A failure is an IO (or
 * NO_SPACE) StoreError naming the path.
 */
export async function syncFilesystem(path: string): Promise<void> {
  const addon = native();
  let handle;
  try {
    handle = await fs.open(path, constants.O_RDONLY);
  } catch (err) {
    throw nativeIoError(err, 'cannot open for syncfs', path);
  }
  try {
    await addon.syncfs(handle.fd);
  } catch (err) {
    throw nativeIoError(err, 'syncfs failed on', path);
  } finally {
    await handle.close();
  }
}

/**
 * fsync(2) on each path (files or folders; symlinks are skipped: callers sync their folder), 16 at a time. For a handful of objects this costs
 * less than syncfs, which also waits for every other process's dirty data on that filesystem
 * (a busy CI machine). A failure is an IO (or NO_SPACE) StoreError naming the path.
 */
export async function syncPaths(paths: Iterable<string>): Promise<void> {
  const list = [...new Set(paths)];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const path = list[next++]!;
      let handle;
      try {
        handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (err) {
        // A symlink (a bare repo's symlink object) cannot be opened; its folder's fsync covers it.
        if ((err as NodeJS.ErrnoException).code === 'ELOOP') continue;
        throw nativeIoError(err, 'cannot open for fsync', path);
      }
      try {
        await handle.sync();
      } catch (err) {
        throw nativeIoError(err, 'fsync failed on', path);
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, list.length) }, worker));
}
