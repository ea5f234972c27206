import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { serialize } from '../gvariant/serialize.js';
import { atomicWriteFile } from '../fsio/atomic-write.js';
import { fsError } from '../fsio/fs-error.js';
import { KeyFile } from '../repo/keyfile.js';
import type { PruneRoot } from './mark.js';

/** A tombstone (§2.8): `a{sv}` {"commit": <ay of the hex checksum and a NUL>}, as ostree writes it. */
export function encodeTombstone(commit: Checksum): Uint8Array {
  return serialize('a{sv}', [['commit', { type: 'ay', value: Buffer.from(`${commit}\0`, 'latin1') }]]);
}

/** True when `[core] tombstone-commits` is on in the config as it is on disk now. */
export async function tombstonesEnabled(repo: Repo): Promise<boolean> {
  return new KeyFile(await readConfig(repo)).getBoolean('core', 'tombstone-commits', false);
}

/**
 * Deletes a commit object as ostree_repo_delete_object does: its `state/*.commitpartial` marker
 * and its detached metadata go with it, and a tombstone takes its place when `tombstone` is set.
 * Only under the exclusive lock. Returns the commit object's size.
 */
export async function deleteCommitObject(repo: Repo, commit: Checksum, opts: { tombstone: boolean }): Promise<number> {
  const path = repo.objectPath(commit, 'commit');
  let size: number;
  try {
    size = (await fs.lstat(path)).size;
    await fs.rm(join(repo.path, 'state', `${commit}.commitpartial`), { force: true });
    await fs.rm(repo.objectPath(commit, 'commitmeta'), { force: true });
    await fs.unlink(path);
  } catch (err) {
    throw fsError(err, { action: 'cannot delete commit', path });
  }
  if (opts.tombstone) await atomicWriteFile(repo.objectPath(commit, 'tombstone-commit'), encodeTombstone(commit), { fsync: repo.fsync });
  return size;
}

/**
 * `prune --delete-commit C` (ostree's delete_commit): refuses a commit that a ref points at
 * (INVALID_ARGUMENT naming the ref) or that is not here (OBJECT_MISSING); else turns
 * `[core] tombstone-commits` on in the config, as ostree 2022.7 does, and deletes the commit
 * with a tombstone. Only under the exclusive lock.
 */
export async function deleteCommit(repo: Repo, commit: Checksum, refs: readonly PruneRoot[]): Promise<number> {
  const holder = refs.find((r) => r.commit === commit);
  if (holder) {
    throw new StoreError('INVALID_ARGUMENT', `commit ${commit} is referenced by ${holder.source}; delete or move that ref first`, { commit, ref: holder.source });
  }
  if (!repo.hasObjectSync(commit, 'commit')) {
    throw new StoreError('OBJECT_MISSING', `commit ${commit} is not in the repository`, { checksum: commit, type: 'commit' });
  }
  const text = await readConfig(repo);
  const config = new KeyFile(text);
  if (!config.getBoolean('core', 'tombstone-commits', false)) {
    config.set('core', 'tombstone-commits', 'true');
    await atomicWriteFile(join(repo.path, 'config'), config.toString(), { fsync: repo.fsync });
  }
  return deleteCommitObject(repo, commit, { tombstone: true });
}

async function readConfig(repo: Repo): Promise<string> {
  const path = join(repo.path, 'config');
  try {
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    throw fsError(err, { action: 'cannot read', path });
  }
}
