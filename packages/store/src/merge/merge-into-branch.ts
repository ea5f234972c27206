import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { Transaction } from '../repo/transaction.js';
import { updateRef } from '../refs/refs.js';
import { revParse } from '../inspect/rev-parse.js';
import type { MergeConflict } from './conflict.js';
import { MergeObjects, type MergeStats } from './merge-objects.js';
import type { MergeFavor } from './merge-text.js';
import { mergeCommits } from './merge-commits.js';
import { type BeforeRefUpdate, branchUpdate, readBranch, stageBranchCommit } from './branch-commit.js';

export interface MergeIntoBranchOptions {
  /** the branch that receives the merge (`--into`) */
  branch: string;
  /** the revision merged into it */
  rev: string;
  /** subject of a merge commit (default `Merge REV into BRANCH`) */
  message?: string;
  favor?: MergeFavor;
  allowUnrelated?: boolean;
  /** always make a merge commit */
  noFf?: boolean;
  /** only fast-forward; refuse a real merge */
  ffOnly?: boolean;
  timestamp?: bigint;
  /** @internal test hook */
  beforeRefUpdate?: BeforeRefUpdate;
}

export interface MergeIntoBranchResult {
  kind: 'up-to-date' | 'fast-forward' | 'merged';
  branch: string;
  /** the branch's tip before */
  old: Checksum;
  /** its tip now (old when up to date) */
  commit: Checksum;
  /** the merged commit */
  theirs: Checksum;
  bases: Checksum[];
  stats: MergeStats | null;
}

/**
 * Merges a revision into a branch inside the repository, without a worktree. Up to date: nothing
 * changes. Fast-forward: the branch moves to the revision. Otherwise a three-way merge; any
 * conflict throws MERGE_CONFLICT (data.conflicts, path by path) and nothing changes (the staged
 * objects are dropped). A clean merge writes a merge commit (first parent the branch, second
 * the revision in `osgit.merge-parents`). The branch moves by compare-and-swap from the value
 * read at the start (REF_CONFLICT if someone moved it meanwhile), with reflog reason
 * `merge REV: Fast-forward` or `merge REV: Merge made`.
 */
export async function mergeIntoBranch(repo: Repo, opts: MergeIntoBranchOptions): Promise<MergeIntoBranchResult> {
  if (opts.noFf && opts.ffOnly) throw new StoreError('INVALID_ARGUMENT', 'give --no-ff or --ff-only, not both');
  const old = await readBranch(repo, opts.branch);
  const theirs = await revParse(repo, opts.rev);
  const tx = await Transaction.begin(repo);
  try {
    const objects = new MergeObjects(repo, tx);
    const r = await mergeCommits(objects, old, theirs, {
      ...(opts.favor ? { favor: opts.favor } : {}),
      allowUnrelated: opts.allowUnrelated === true,
      noFf: opts.noFf === true,
      oursLabel: opts.branch,
      theirsLabel: opts.rev,
    });
    const base = { branch: opts.branch, old, theirs, bases: r.bases };
    if (r.kind === 'up-to-date') {
      await tx.abort();
      return { ...base, kind: r.kind, commit: old, stats: null };
    }
    if (r.kind === 'fast-forward') {
      await tx.abort();
      await opts.beforeRefUpdate?.();
      await updateRef(repo, branchUpdate(opts.branch, old, theirs, `merge ${opts.rev}: Fast-forward`));
      return { ...base, kind: r.kind, commit: theirs, stats: null };
    }
    if (opts.ffOnly) {
      throw new StoreError('INVALID_ARGUMENT', `cannot fast-forward ${opts.branch} to ${opts.rev}: the histories have diverged (merge without --ff-only)`, { branch: opts.branch, rev: opts.rev });
    }
    if (r.conflicts.length > 0) throw mergeConflict(`merging ${opts.rev} into ${opts.branch}`, r.conflicts, { branch: opts.branch, rev: opts.rev });
    const { commit, update } = stageBranchCommit(tx, {
      branch: opts.branch,
      tip: old,
      root: r.root,
      subject: opts.message ?? `Merge ${opts.rev} into ${opts.branch}`,
      extraParents: [theirs],
      ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
      reason: `merge ${opts.rev}: Merge made`,
    });
    await opts.beforeRefUpdate?.();
    await tx.commit({ refs: [update] });
    return { ...base, kind: 'merged', commit, stats: r.stats };
  } finally {
    await tx.abort().catch(() => undefined);
  }
}

/** MERGE_CONFLICT naming how many paths conflict and the first few. */
export function mergeConflict(what: string, conflicts: MergeConflict[], data: Record<string, unknown>): StoreError {
  const paths = [...new Set(conflicts.map((c) => c.path))];
  const shown = paths.slice(0, 5).join(', ') + (paths.length > 5 ? ', …' : '');
  return new StoreError('MERGE_CONFLICT', `${what}: ${paths.length} conflicting path${paths.length === 1 ? '' : 's'} (${shown}); nothing was changed`, { ...data, conflicts });
}
