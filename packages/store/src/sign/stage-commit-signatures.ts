import { existsSync, readFileSync } from 'node:fs';
import type { Checksum } from '../checksum.js';
import type { Transaction } from '../repo/transaction.js';
import { signatureMetadata } from './signature-metadata.js';
import type { SigningKey } from './signing-key.js';
import { toBuffer } from './sign-commit.js';

/**
 * Stages the signed `.commitmeta` of a commit staged (or already present) in `tx`, so that it
 * lands with the commit object, before any ref moves (as `ostree commit --gpg-sign` signs
 * inside its transaction). Appends to a `.commitmeta` the repository already has.
 */
export async function stageCommitSignatures(tx: Transaction, commit: Checksum, keys: SigningKey[]): Promise<void> {
  if (keys.length === 0) return;
  const staged = tx.stagePath(commit, 'commit');
  const bytes = existsSync(staged) ? readFileSync(staged) : toBuffer(await tx.repo.readMetadataBytes(commit, 'commit'));
  const existing = await tx.repo.readCommitMetaBytes(commit);
  const meta = await signatureMetadata(bytes, keys, existing ? toBuffer(existing) : null);
  const path = tx.stagePath(commit, 'commitmeta');
  if (existsSync(path)) throw new Error(`internal: ${commit}.commitmeta staged twice`);
  tx.writeMetadataSync(commit, 'commitmeta', meta);
}
