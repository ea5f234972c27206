import type { Checksum } from '../checksum.js';
import { atomicWriteFile } from '../fsio/atomic-write.js';
import type { Repo } from '../repo/repo.js';
import { withLock } from '../repo/lock.js';
import { signatureMetadata } from './signature-metadata.js';
import type { SigningKey } from './signing-key.js';

/**
 * Signs a commit with each key, appending to its `.commitmeta` (written atomically, under the
 * repository's shared lock). OBJECT_MISSING when the commit is not in the repository.
 */
export async function signCommit(repo: Repo, commit: Checksum, keys: SigningKey[]): Promise<void> {
  await withLock(repo.path, 'shared', async () => {
    const bytes = await repo.readMetadataBytes(commit, 'commit');
    const existing = await repo.readCommitMetaBytes(commit);
    const meta = await signatureMetadata(toBuffer(bytes), keys, existing ? toBuffer(existing) : null);
    await atomicWriteFile(repo.objectPath(commit, 'commitmeta'), meta, { fsync: repo.fsync });
  });
}

export function toBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}
