import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type Checksum, checksumToBytes } from '../checksum.js';
import { StoreError } from '../errors.js';
import { fsError } from '../fsio/fs-error.js';
import type { Repo } from './repo.js';

/** Where damaged objects go: inside tmp/ (same file system, so a rename), out of every object lookup. */
export const QUARANTINE_DIR = join('tmp', 'osgit-quarantine');

/**
 * Moves the object file `objects/XX/REST.<ext>` of `checksum` out of objects/ into
 * tmp/osgit-quarantine/<checksum>.<ext> (one rename, so a reader sees the object whole or absent)
 * and returns that path relative to the repository, or null when the file was gone already
 * (another repair moved it). The bytes are kept for inspection; ostree's tmp cleaning (and
 * osgit's) remove them once older than tmp-expiry-secs (a day). Does not lock: the caller holds
 * the repository's shared lock (a Transaction), as any writer of objects/ does.
 */
export async function quarantineObject(repo: Repo, checksum: Checksum, ext: string): Promise<string | null> {
  checksumToBytes(checksum); // INVALID_ARGUMENT for anything but a checksum: it becomes a path
  if (!/^[a-z][a-z-]{0,31}$/.test(ext)) throw new StoreError('INVALID_ARGUMENT', `not an object file extension: ${JSON.stringify(ext)}`, { ext });
  const from = join(repo.path, 'objects', checksum.slice(0, 2), `${checksum.slice(2)}.${ext}`);
  const target = join(repo.path, QUARANTINE_DIR);
  try {
    await fs.mkdir(target, { recursive: true });
  } catch (err) {
    throw fsError(err, { action: 'cannot create', path: target });
  }
  const rel = join(QUARANTINE_DIR, `${checksum}.${ext}`);
  try {
    await fs.rename(from, join(repo.path, rel));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(err, { action: 'cannot move', path: from });
  }
  return rel;
}
