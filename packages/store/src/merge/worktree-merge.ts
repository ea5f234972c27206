import { readFileSync } from 'node:fs';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import { Transaction } from '../repo/transaction.js';
import { updateRef } from '../refs/refs.js';
import { revParse } from '../inspect/rev-parse.js';
import type { Worktree } from '../worktree/worktree.js';
import { treeChanges } from '../worktree/tree-changes.js';
import { applyTreeChanges } from '../worktree/apply-changes.js';
import type { MergeConflict } from './conflict.js';
import { MergeObjects } from './merge-objects.js';
import type { MergeFavor } from './merge-text.js';
import { mergeCommits, rootOf } from './merge-commits.js';
import type { TreeRoot } from './merge-trees.js';
import { branchUpdate } from './branch-commit.js';
import { mergePick, nothingToDo, planPick } from './pick-commit.js';
import { clearMergeState, type MergeState, readMergeState, writeMergeState } from './merge-state.js';

export interface WorktreeMergeOptions {
  operation: 'merge' | 'cherry-pick' | 'revert';
  rev: string;
  favor?: MergeFavor;
  /** merge only */
  allowUnrelated?: boolean;
  noFf?: boolean;
  ffOnly?: boolean;
  /** merge: the subject of the merge commit */
  message?: string;
  /** cherry-pick/revert of a merge commit: its mainline parent */
  mainline?: number;
  timestamp?: bigint;
}

export interface WorktreeMergeResult {
  operation: WorktreeMergeOptions['operation'];
  kind: 'up-to-date' | 'fast-forward' | 'committed' | 'conflicts' | 'aborted';
  branch: string;
  /** the head before */
  old: Checksum;
  /** the head now (the new commit, or old while conflicts wait) */
  head: Checksum;
  theirs: Checksum;
  conflicts: MergeConflict[];
}

/**
 * `osgit merge|cherry-pick|revert REV` in a worktree. The worktree's head must be its branch's
 * tip. The result tree is written into the files, touching only the paths it changes; if
 * uncommitted changes touch any of them, LOCAL_CHANGES (data.paths) and nothing is written. A
 * clean result is committed at once (a merge commit has REV as its second parent); conflicts
 * leave the files with markers and the state in the worktree's state folder, for
 * `--continue` (commit the resolved files) or `--abort` (put the head's files back).
 * MERGE_IN_PROGRESS when one is already waiting.
 */
export async function mergeInWorktree(wt: Worktree, opts: WorktreeMergeOptions): Promise<WorktreeMergeResult> {
  const pending = readMergeState(wt.stateDir);
  if (pending) {
    throw new StoreError('MERGE_IN_PROGRESS', `a ${pending.operation} of ${pending.rev} is waiting in ${wt.path}: resolve the conflicts and run osgit ${pending.operation} --continue, or osgit ${pending.operation} --abort`, { operation: pending.operation, rev: pending.rev });
  }
  const repo = wt.repo;
  const head = wt.head;
  const tip = await wt.branchTip();
  if (tip !== head) {
    throw new StoreError('REF_CONFLICT', `branch ${wt.branch} is at ${tip}, but the worktree at ${wt.path} is at ${head}: bring the worktree up to date first`, { ref: wt.branch, current: tip, expected: head });
  }
  const tx = await Transaction.begin(repo);
  let result: { root: TreeRoot; conflicts: MergeConflict[]; theirs: Checksum; subject: string; body: string; extraParents: Checksum[]; reason: string };
  let headRoot: TreeRoot;
  try {
    const objects = new MergeObjects(repo, tx);
    headRoot = await rootOf(objects, head);
    if (opts.operation === 'merge') {
      const theirs = await revParse(repo, opts.rev);
      const r = await mergeCommits(objects, head, theirs, {
        ...(opts.favor ? { favor: opts.favor } : {}),
        allowUnrelated: opts.allowUnrelated === true,
        noFf: opts.noFf === true,
        oursLabel: wt.branch,
        theirsLabel: opts.rev,
      });
      const base = { operation: opts.operation, branch: wt.branch, old: head, theirs, conflicts: [] };
      if (r.kind === 'up-to-date') return { ...base, kind: 'up-to-date', head };
      if (r.kind === 'fast-forward') {
        await tx.abort();
        // Files first (LOCAL_CHANGES leaves everything as it was), then the branch.
        await wt.checkoutCommit(theirs);
        await updateRef(repo, branchUpdate(wt.branch, head, theirs, `merge ${opts.rev}: Fast-forward`));
        return { ...base, kind: 'fast-forward', head: theirs };
      }
      if (opts.ffOnly) {
        throw new StoreError('INVALID_ARGUMENT', `cannot fast-forward ${wt.branch} to ${opts.rev}: the histories have diverged (merge without --ff-only)`, { branch: wt.branch, rev: opts.rev });
      }
      result = {
        root: r.root, conflicts: r.conflicts, theirs, subject: opts.message ?? `Merge ${opts.rev} into ${wt.branch}`, body: '',
        extraParents: [theirs], reason: `merge ${opts.rev}: Merge made`,
      };
    } else {
      const plan = await planPick(repo, opts.operation === 'cherry-pick' ? 'pick' : 'revert', opts.rev, opts.mainline);
      const r = await mergePick(objects, plan, headRoot, { oursLabel: wt.branch, ...(opts.favor ? { favor: opts.favor } : {}) });
      if (r.conflicts.length === 0 && r.tree === headRoot.tree && r.meta === headRoot.meta) throw nothingToDo(plan, opts.rev, wt.branch);
      result = {
        root: { tree: r.tree, meta: r.meta }, conflicts: r.conflicts, theirs: plan.picked, subject: plan.subject, body: plan.body,
        extraParents: [], reason: plan.reason,
      };
    }
    // The worktree reads the merged objects from the repository: make them durable (no ref moves).
    await tx.commit();
  } finally {
    await tx.abort().catch(() => undefined);
  }
  await wt.writeTree(result.root);
  const base = { operation: opts.operation, branch: wt.branch, old: head, theirs: result.theirs, conflicts: result.conflicts };
  if (result.conflicts.length > 0) {
    await writeMergeState(wt.stateDir, {
      operation: opts.operation, rev: opts.rev, theirs: result.theirs, head, headRoot, mergedRoot: result.root,
      extraParents: result.extraParents, subject: result.subject, body: result.body, conflicts: result.conflicts,
    });
    return { ...base, kind: 'conflicts', head };
  }
  const made = await wt.commit({
    subject: result.subject, body: result.body, extraParents: result.extraParents, reason: result.reason, allowEmpty: true,
    ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
  });
  return { ...base, kind: 'committed', head: made.commit };
}

/**
 * `--continue`: commits the worktree's files (the conflicts resolved) with the message and
 * parents the operation planned. NO_MERGE_IN_PROGRESS when nothing waits; MERGE_CONFLICT while a
 * text file that conflicted still holds a conflict marker line.
 */
export async function continueMerge(wt: Worktree, opts: { timestamp?: bigint } = {}): Promise<WorktreeMergeResult> {
  const state = requireState(wt);
  if (wt.head !== state.head) {
    // A commit, switch or reset happened meanwhile: the planned parents no longer hold.
    throw new StoreError('REF_CONFLICT', `the worktree moved from ${state.head} to ${wt.head} since the ${state.operation} of ${state.rev} began: run osgit ${state.operation} --abort and start again`, { ref: wt.branch, current: wt.head, expected: state.head });
  }
  const unresolved = state.conflicts.filter((c) => (c.kind === 'content' || c.kind === 'add-add') && hasMarkers(`${wt.path}${c.path}`));
  if (unresolved.length > 0) {
    throw new StoreError('MERGE_CONFLICT', `conflict markers are still in ${unresolved.map((c) => c.path).join(', ')}: resolve them, then run osgit ${state.operation} --continue again`, { conflicts: unresolved });
  }
  const made = await wt.commit({
    subject: state.subject, body: state.body, extraParents: state.extraParents, allowEmpty: true,
    reason: state.operation === 'merge' ? `merge ${state.rev}: Merge made (resolved)` : `${state.operation} (resolved): ${state.subject}`,
    ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
  });
  clearMergeState(wt.stateDir);
  return { operation: state.operation, kind: 'committed', branch: wt.branch, old: state.head, head: made.commit, theirs: state.theirs, conflicts: [] };
}

/**
 * `--abort`: puts back the head's version of every path the operation wrote (edits made while
 * resolving them are dropped, as git does) and forgets the operation. Uncommitted changes to
 * other paths, which the merge left alone, stay. The stat cache is left as it was: the rewritten
 * files no longer match their stamps, so the next status reads them again.
 */
export async function abortMerge(wt: Worktree): Promise<WorktreeMergeResult> {
  const state = requireState(wt);
  // If the worktree moved meanwhile (commit, switch, reset), its files no longer hold the merge
  // result: only the state is forgotten.
  if (wt.head === state.head) {
    const changes = treeChanges(wt.repo, state.mergedRoot, state.headRoot);
    await applyTreeChanges(wt.repo, wt.path, changes, wt.userMode);
  }
  clearMergeState(wt.stateDir);
  return { operation: state.operation, kind: 'aborted', branch: wt.branch, old: state.head, head: wt.head, theirs: state.theirs, conflicts: [] };
}

function requireState(wt: Worktree): MergeState {
  const state = readMergeState(wt.stateDir);
  if (!state) throw new StoreError('NO_MERGE_IN_PROGRESS', `no merge, cherry-pick or revert is waiting in ${wt.path}`, { worktree: wt.path });
  return state;
}

/** True when the file has a line starting a conflict (`<<<<<<< `) and its separator. */
function hasMarkers(path: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return false;
  }
  return /^<<<<<<< /m.test(text) && /^=======$/m.test(text) && /^>>>>>>> /m.test(text);
}
