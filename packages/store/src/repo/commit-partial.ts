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

/**
 * Why a commit is partial. OSTree writes the marker empty for a pull, and "f"
 * (OSTREE_REPO_COMMIT_STATE_FSCK_PARTIAL) when fsck removed objects of the commit: `ostree fsck`
 * then fails until a pull completes the commit again and removes the marker.
 */
export type CommitPartialReason = 'pull' | 'fsck';

/** Marks `commit` partial (idempotent; rewrites the reason). Call before writing the commit object, as ostree pull does. */
export async function markCommitPartial(repo: Repo, commit: Checksum, reason: CommitPartialReason = 'pull'): Promise<void> {
  const path = markerPath(repo, commit);
  try {
    await fs.mkdir(join(repo.path, 'state'), { recursive: true });
    await fs.writeFile(path, reason === 'fsck' ? 'f' : '', { mode: 0o644 });
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

/** The reason in `commit`'s marker, or null when the commit is not marked partial. */
export async function commitPartialReason(repo: Repo, commit: Checksum): Promise<CommitPartialReason | null> {
  const path = markerPath(repo, commit);
  try {
    const bytes = await fs.readFile(path);
    return bytes.length > 0 && bytes[0] === 0x66 /* 'f' */ ? 'fsck' : 'pull';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
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
