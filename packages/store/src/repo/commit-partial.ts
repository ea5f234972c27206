import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type Checksum, checksumToBytes } from '../checksum.js';
import { fsError } from '../fsio/fs-error.js';
import type { Repo } from './repo.js';

/**
 * OSTree's marker of a commit whose objects are not all present (a pull cut short, or
 * --commit-metadata-only): an empty file `state/<commit>.commitpartial`. ostree fsck and pull read
 * the same file, so both tools agree on which commits are partial.
 */
function markerPath(repo: Repo, commit: Checksum): string {
  checksumToBytes(commit); // INVALID_ARGUMENT for anything but a checksum: it becomes a file name
  return join(repo.path, 'state', `${commit}.commitpartial`);
}

/** Marks `commit` partial (idempotent). Call before writing the commit object, as ostree pull does. */
export async function markCommitPartial(repo: Repo, commit: Checksum): Promise<void> {
  const path = markerPath(repo, commit);
  try {
    await fs.mkdir(join(repo.path, 'state'), { recursive: true });
    await fs.writeFile(path, '', { mode: 0o644 });
  } catch (err) {
    throw fsError(err, { action: 'cannot write', path });
  }
}

export async function isCommitPartial(repo: Repo, commit: Checksum): Promise<boolean> {
  const path = markerPath(repo, commit);
  try {
    await fs.lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fsError(err, { action: 'cannot read', path });
  }
}

/** Removes the marker (idempotent): call once every object the commit reaches is stored. */
export async function clearCommitPartial(repo: Repo, commit: Checksum): Promise<void> {
  const path = markerPath(repo, commit);
  try {
    await fs.rm(path, { force: true });
  } catch (err) {
    throw fsError(err, { action: 'cannot remove', path });
  }
}
