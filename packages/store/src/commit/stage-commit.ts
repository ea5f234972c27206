import { type Checksum, sha256Hex } from '../checksum.js';
import type { Transaction } from '../repo/transaction.js';
import { encodeCommit, type Metadata } from '../objects/commit.js';
import { defaultTimestamp } from './parse-timestamp.js';

export interface StageCommitInput {
  metadata: Metadata;
  parent: Checksum | null;
  subject?: string;
  body?: string;
  /** seconds since the epoch; default SOURCE_DATE_EPOCH, else now */
  timestamp?: bigint;
  root: { tree: Checksum; meta: Checksum };
}

/**
 * Encodes a commit object over a root the transaction already holds and stages it (once); the
 * one place every kind of commit (a folder, a worktree, a merge, a pick) becomes an object.
 * Returns its checksum. Nothing is durable until the transaction commits.
 */
export function stageCommit(tx: Transaction, input: StageCommitInput): Checksum {
  const bytes = encodeCommit({
    metadata: input.metadata,
    parent: input.parent,
    subject: input.subject ?? '',
    body: input.body ?? '',
    timestamp: input.timestamp ?? defaultTimestamp(),
    rootTree: input.root.tree,
    rootMeta: input.root.meta,
  });
  const commit = sha256Hex(bytes);
  if (!tx.hasSync(commit, 'commit')) tx.writeMetadataSync(commit, 'commit', bytes);
  return commit;
}
