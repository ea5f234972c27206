import { stageCommit } from './stage-commit.js';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { Transaction } from '../repo/transaction.js';
import { commitMetadata } from './commit-metadata.js';
import { readRef } from '../refs/refs.js';
import { validateRefName } from '../refs/ref-name.js';
import { writeTree, type TreeModifier, type WriteTreeProgress } from './write-tree.js';
import { checkTimestampRange } from './parse-timestamp.js';
import { commitFsError } from './commit-fs-error.js';
import { isNoSpace } from '../fsio/fs-error.js';
import type { SigningKey } from '../sign/signing-key.js';
import { stageCommitSignatures } from '../sign/stage-commit-signatures.js';

export interface CommitOptions extends TreeModifier {
  /** the directory to commit */
  tree: string;
  /** branch to advance (its current commit becomes the parent unless `orphan` or `parent`) */
  branch?: string;
  subject?: string;
  body?: string;
  /** seconds since the epoch; default SOURCE_DATE_EPOCH, else now */
  timestamp?: bigint;
  /** `--add-metadata-string k=v`, in order */
  metadataStrings?: Array<[string, string]>;
  /** add `ostree.ref-binding` naming the branch (default true, as in ostree) */
  bindings?: boolean;
  /** create a commit no ref points at, with no parent */
  orphan?: boolean;
  /** explicit parent; null = none */
  parent?: Checksum | null;
  concurrency?: number;
  onProgress?: (p: WriteTreeProgress) => void;
  /** sign the commit with these keys; the `.commitmeta` lands with the commit, before the ref moves */
  signingKeys?: SigningKey[];
}

export interface CommitResult {
  commit: Checksum;
  branch: string | null;
  parent: Checksum | null;
  rootTree: Checksum;
  rootMeta: Checksum;
  stats: WriteTreeProgress & { bytesWritten: number };
}

/**
 * Commits a directory like `ostree commit`: same inputs and flags, same commit checksum.
 * Objects are staged in a transaction and made durable before the branch moves; the branch
 * moves by compare-and-swap against the value it had when the commit began (REF_CONFLICT if
 * another writer moved it). Holds the repo's shared lock while writing and moving the branch.
 */
export async function commitTree(repo: Repo, opts: CommitOptions): Promise<CommitResult> {
  try {
    return await commitTreeOrThrow(repo, opts);
  } catch (err) {
    throw commitFsError(err, repo, opts.tree);
  }
}

async function commitTreeOrThrow(repo: Repo, opts: CommitOptions): Promise<CommitResult> {
  if (!opts.branch && !opts.orphan) {
    throw new StoreError('INVALID_ARGUMENT', 'a commit needs a branch (-b BRANCH) or --orphan');
  }
  if (opts.branch) validateRefName(opts.branch);
  checkOwnerOverrides(opts);
  if (opts.timestamp !== undefined) checkTimestampRange(opts.timestamp);
  const metadata = commitMetadata({
    ...(opts.metadataStrings ? { metadataStrings: opts.metadataStrings } : {}),
    ...(opts.branch ? { branch: opts.branch } : {}),
    bindings: opts.bindings !== false,
    collectionId: repo.config.get('core', 'collection-id') ?? null,
  });
  const branchRef = opts.branch ? { remote: null, name: opts.branch } : null;
  const current = branchRef ? await readRef(repo, branchRef) : null;
  let parent: Checksum | null;
  if (opts.parent !== undefined) parent = opts.parent;
  else parent = opts.orphan ? null : current;
  if (parent) await repo.readCommit(parent); // the parent must exist and be sound

  const tx = await Transaction.begin(repo);
  let result: CommitResult;
  try {
    const progressOpts = opts.onProgress ? { onProgress: opts.onProgress } : {};
    const root = await writeTree(tx, opts.tree, {
      modifier: opts,
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...progressOpts,
    });
    const commit = stageCommit(tx, {
      metadata,
      parent,
      ...(opts.subject !== undefined ? { subject: opts.subject } : {}),
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
      root,
    });
    if (opts.signingKeys) await stageCommitSignatures(tx, commit, opts.signingKeys);
    const written = tx.stats.bytesWritten;
    // The branch moves inside the transaction, while the repo's shared lock is still held.
    const reason = `commit${parent ? '' : ' (initial)'}: ${opts.subject ?? ''}`.trimEnd();
    await tx.commit({ refs: branchRef ? [{ ref: branchRef, expected: current, value: commit, reason }] : [] });
    result = {
      commit,
      branch: opts.branch ?? null,
      parent,
      rootTree: root.tree,
      rootMeta: root.meta,
      stats: { ...root.progress, objectsWritten: tx.stats.objectsWritten, bytesWritten: written },
    };
  } catch (err) {
    await tx.abort().catch(() => undefined);
    if (isNoSpace(err)) {
      throw new StoreError('NO_SPACE', `no space left on the device holding ${repo.path}; the commit was rolled back and no ref moved`, { repo: repo.path }, { cause: err });
    }
    throw err;
  }
  return result;
}

/** ostree reads --owner-uid/--owner-gid as a gint and refuses them beside --canonical-permissions. */
function checkOwnerOverrides(opts: CommitOptions): void {
  for (const [flag, id] of [['owner-uid', opts.ownerUid], ['owner-gid', opts.ownerGid]] as const) {
    if (id === undefined) continue;
    if (!Number.isSafeInteger(id) || id < 0 || id > 0x7fffffff) {
      throw new StoreError('INVALID_ARGUMENT', `--${flag} must be an integer from 0 to 2147483647, not ${id}`, { [flag]: id });
    }
    if (opts.canonicalPermissions && id !== 0) {
      throw new StoreError('INVALID_ARGUMENT', `cannot give both --canonical-permissions and a non-zero --${flag}`, { [flag]: id });
    }
  }
}
