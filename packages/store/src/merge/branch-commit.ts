import { stageCommit } from '../commit/stage-commit.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import type { Transaction } from '../repo/transaction.js';
import type { Metadata } from '../objects/commit.js';
import { commitMetadata } from '../commit/commit-metadata.js';
import { mergeParentsMetadata } from '../history/commit-parents.js';
import type { RefUpdate } from '../refs/refs.js';
import { StoreError } from '../errors.js';
import { readRef } from '../refs/refs.js';
import { validateRefName } from '../refs/ref-name.js';
import type { TreeRoot } from './merge-trees.js';

/** Test hook: runs after the new commit is staged and before the branch moves (to move it meanwhile). */
export type BeforeRefUpdate = () => Promise<void> | void;

/** A branch's tip, read for a later compare-and-swap: REF_NOT_FOUND when the branch does not exist. */
export async function readBranch(repo: Repo, branch: string): Promise<Checksum> {
  validateRefName(branch);
  const tip = await readRef(repo, { remote: null, name: branch });
  if (!tip) throw new StoreError('REF_NOT_FOUND', `branch ${branch} does not exist`, { ref: branch });
  return tip;
}

export interface BranchCommitInput {
  branch: string;
  /** the tip the branch had when the operation read it (first parent and compare-and-swap value) */
  tip: Checksum;
  root: TreeRoot;
  subject: string;
  body?: string;
  /** further parents (a merge commit: theirs) */
  extraParents?: readonly Checksum[];
  timestamp?: bigint;
  /** reflog reason */
  reason: string;
}

/**
 * Stages a commit on `branch` with OSTree's single parent = the tip, any further parents in
 * `osgit.merge-parents`, and the metadata `ostree commit -b BRANCH` writes (ref binding,
 * collection binding), so it stays a commit ostree can fsck, log and pull. Returns the checksum
 * and the ref update (compare-and-swap from `tip`) for the caller's Transaction.commit.
 */
export function stageBranchCommit(tx: Transaction, input: BranchCommitInput): { commit: Checksum; update: RefUpdate } {
  const metadata: Metadata = [
    ...mergeParentsMetadata(input.extraParents ?? []),
    ...commitMetadata({ branch: input.branch, collectionId: tx.repo.config.get('core', 'collection-id') ?? null }),
  ];
  const commit = stageCommit(tx, {
    metadata,
    parent: input.tip,
    subject: input.subject,
    ...(input.body !== undefined ? { body: input.body } : {}),
    ...(input.timestamp !== undefined ? { timestamp: input.timestamp } : {}),
    root: input.root,
  });
  return { commit, update: branchUpdate(input.branch, input.tip, commit, input.reason) };
}

/** A compare-and-swap of a local branch with its reflog reason. */
export function branchUpdate(branch: string, expected: Checksum, value: Checksum, reason: string): RefUpdate {
  return { ref: { remote: null, name: branch }, expected, value, reason };
}
