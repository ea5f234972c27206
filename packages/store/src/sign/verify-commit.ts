import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { verifySignedBytes, type SignatureReport } from './verify-signed-bytes.js';
import type { TrustedKeys } from './trusted-keys.js';

/**
 * Verifies the signatures of a commit in `repo`: its raw bytes (checked against the name;
 * OBJECT_MISSING / OBJECT_CORRUPT otherwise) against its `.commitmeta`. Reads only.
 */
export async function verifyCommit(repo: Repo, commit: Checksum, keys: TrustedKeys): Promise<SignatureReport> {
  const bytes = await repo.readMetadataBytes(commit, 'commit');
  const meta = await repo.readCommitMetaBytes(commit);
  return verifySignedBytes(toBuffer(bytes), meta ? toBuffer(meta) : null, keys);
}

function toBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}
