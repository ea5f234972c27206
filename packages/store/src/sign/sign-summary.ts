import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { atomicWriteFile } from '../fsio/atomic-write.js';
import { fsError } from '../fsio/fs-error.js';
import type { Repo } from '../repo/repo.js';
import { withLock } from '../repo/lock.js';
import { signatureMetadata } from './signature-metadata.js';
import type { SigningKey } from './signing-key.js';

/**
 * Signs the repository's current `summary` with each key into `summary.sig` (appending to the
 * signatures there, as `ostree summary --gpg-sign` does; `updateSummary` removes a stale one).
 * Atomic; under the shared lock. OBJECT_MISSING when there is no summary.
 */
export async function signSummary(repo: Repo, keys: SigningKey[]): Promise<void> {
  await withLock(repo.path, 'shared', async () => {
    const summary = await readOptional(join(repo.path, 'summary'));
    if (!summary) throw new StoreError('OBJECT_MISSING', `${repo.path} has no summary to sign; run 'osgit summary -u' first`, { path: join(repo.path, 'summary') });
    const existing = await readOptional(join(repo.path, 'summary.sig'));
    const sig = await signatureMetadata(summary, keys, existing);
    await atomicWriteFile(join(repo.path, 'summary.sig'), sig, { fsync: repo.fsync });
  });
}

async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(err, { action: 'cannot read', path });
  }
}
