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
