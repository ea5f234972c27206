import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { Transaction } from '../repo/transaction.js';
import { revParse } from '../inspect/rev-parse.js';
import { commitParents } from '../history/commit-parents.js';
import type { Commit } from '../objects/commit.js';
import { MergeObjects, type MergeStats } from './merge-objects.js';
import type { MergeFavor } from './merge-text.js';
import { mergeTrees, type MergeTreesResult, type TreeRoot } from './merge-trees.js';
import { rootOf } from './merge-commits.js';
import { type BeforeRefUpdate, readBranch, stageBranchCommit } from './branch-commit.js';
import { mergeConflict } from './merge-into-branch.js';

export interface PickCommitOptions {
  /** the branch that receives the change (`--into`) */
  branch: string;
  /** the commit whose change is applied (cherry-pick) or undone (revert) */
  rev: string;
  /** for a merge commit: which parent (1-based) the change is taken against, as git's -m */
  mainline?: number;
  favor?: MergeFavor;
  /** replaces the subject (the body is kept) */
  message?: string;
  timestamp?: bigint;
  /** @internal test hook */
  beforeRefUpdate?: BeforeRefUpdate;
}

export interface PickCommitResult {
  branch: string;
  old: Checksum;
  commit: Checksum;
  /** the commit picked or reverted */
  picked: Checksum;
  stats: MergeStats;
}

/**
 * Applies the change a commit made (`direction: 'pick'`) or its reverse (`'revert'`) onto a
 * branch, as one three-way merge: cherry-pick merges the commit's tree into the branch against
 * its parent's tree; revert merges the parent's tree against the commit's. A merge commit needs
 * `mainline` (INVALID_ARGUMENT otherwise). Conflicts throw MERGE_CONFLICT and change nothing; a
 * change that is already there (the result equals the branch's tree) is NOTHING_TO_COMMIT. The
 * branch moves by compare-and-swap from the tip read at the start.
 */
export async function pickCommit(repo: Repo, direction: 'pick' | 'revert', opts: PickCommitOptions): Promise<PickCommitResult> {
  const old = await readBranch(repo, opts.branch);
  const plan = await planPick(repo, direction, opts.rev, opts.mainline);
  const tx = await Transaction.begin(repo);
  try {
    const objects = new MergeObjects(repo, tx);
    const ours = await rootOf(objects, old);
    const r = await mergePick(objects, plan, ours, { oursLabel: opts.branch, ...(opts.favor ? { favor: opts.favor } : {}) });
    if (r.conflicts.length > 0) throw mergeConflict(`${plan.verb} of ${opts.rev} onto ${opts.branch}`, r.conflicts, { branch: opts.branch, rev: opts.rev });
    if (r.tree === ours.tree && r.meta === ours.meta) throw nothingToDo(plan, opts.rev, opts.branch);
    const { commit: made, update } = stageBranchCommit(tx, {
      branch: opts.branch,
      tip: old,
      root: { tree: r.tree, meta: r.meta },
      subject: opts.message ?? plan.subject,
      body: plan.body,
      ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
      reason: plan.reason,
    });
    await opts.beforeRefUpdate?.();
    await tx.commit({ refs: [update] });
    return { branch: opts.branch, old, commit: made, picked: plan.picked, stats: r.stats };
  } finally {
    await tx.abort().catch(() => undefined);
  }
}

/** What a cherry-pick or revert of a commit is: the commit, the parent its change is measured against, the new message. */
export interface PickPlan {
  direction: 'pick' | 'revert';
  verb: 'cherry-pick' | 'revert';
  picked: Checksum;
  commit: Commit;
  parent: Checksum | null;
  subject: string;
  body: string;
  reason: string;
}

/** Resolves the commit and its mainline parent (INVALID_ARGUMENT for a merge without -m) and words the new commit. */
export async function planPick(repo: Repo, direction: 'pick' | 'revert', rev: string, mainline?: number): Promise<PickPlan> {
  const picked = await revParse(repo, rev);
  const commit = await repo.readCommit(picked);
  const parent = chooseParent(commit, picked, mainline);
  const message = direction === 'pick' ? pickMessage(commit, picked) : revertMessage(commit, picked, parent, mainline);
  const verb = direction === 'pick' ? 'cherry-pick' : 'revert';
  return { direction, verb, picked, commit, parent, ...message, reason: `${verb}: ${commit.subject || picked}` };
}

/** The three-way merge of a pick onto `ours`: base = parent, theirs = commit (revert: the other way round). */
export async function mergePick(
  objects: MergeObjects, plan: PickPlan, ours: TreeRoot, opts: { oursLabel: string; favor?: MergeFavor },
): Promise<MergeTreesResult> {
  const pickedRoot = { tree: plan.commit.rootTree, meta: plan.commit.rootMeta };
  const parentRoot: TreeRoot | null = plan.parent ? await rootOf(objects, plan.parent) : null;
  const label = `${plan.picked.slice(0, 10)} (${plan.commit.subject})`;
  const o = { ...(opts.favor ? { favor: opts.favor } : {}), oursLabel: opts.oursLabel };
  return plan.direction === 'pick'
    ? mergeTrees(objects, parentRoot, ours, pickedRoot, { ...o, theirsLabel: label })
    : mergeTrees(objects, pickedRoot, ours, parentRoot ?? emptyRoot(objects, ours), { ...o, theirsLabel: `parent of ${label}` });
}

export function nothingToDo(plan: PickPlan, rev: string, branch: string): StoreError {
  return new StoreError('NOTHING_TO_COMMIT', `${plan.verb} of ${rev} onto ${branch} changes nothing: ${plan.direction === 'pick' ? 'the change is already there' : 'the change is not there'}`, { branch, rev });
}

/** The parent whose difference is the change: the only one, or the -m N one of a merge. */
function chooseParent(commit: Commit, checksum: Checksum, mainline: number | undefined): Checksum | null {
  const parents = commitParents(commit, checksum);
  if (mainline === undefined) {
    if (parents.length > 1) {
      throw new StoreError('INVALID_ARGUMENT', `commit ${checksum} is a merge (${parents.length} parents): give the mainline parent with -m N`, { commit: checksum, parents });
    }
    return parents[0] ?? null;
  }
  if (parents.length < 2) throw new StoreError('INVALID_ARGUMENT', `commit ${checksum} is not a merge, so -m does not apply`, { commit: checksum });
  if (!Number.isInteger(mainline) || mainline < 1 || mainline > parents.length) {
    throw new StoreError('INVALID_ARGUMENT', `commit ${checksum} has ${parents.length} parents; -m must be 1 to ${parents.length}, not ${mainline}`, { commit: checksum, mainline });
  }
  return parents[mainline - 1]!;
}

/** `git cherry-pick -x`: the message kept, with the line naming where it came from. */
function pickMessage(c: Commit, checksum: Checksum): { subject: string; body: string } {
  const note = `(cherry picked from commit ${checksum})`;
  return { subject: c.subject, body: c.body ? `${c.body}\n\n${note}` : note };
}

/** `git revert`: `Revert "SUBJECT"` and `This reverts commit X.` (naming the mainline parent for a merge). */
function revertMessage(c: Commit, checksum: Checksum, parent: Checksum | null, mainline: number | undefined): { subject: string; body: string } {
  const body = mainline !== undefined && parent
    ? `This reverts commit ${checksum}, reversing\nchanges made to ${parent}.`
    : `This reverts commit ${checksum}.`;
  return { subject: `Revert "${c.subject}"`, body };
}

/** The empty tree (reverting a root commit removes everything it added). */
function emptyRoot(objects: MergeObjects, like: TreeRoot): TreeRoot {
  return { tree: objects.writeDirTree({ files: [], dirs: [] }), meta: like.meta };
}
