import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import { mergeBases } from '../history/merge-base.js';
import type { MergeConflict } from './conflict.js';
import type { MergeObjects, MergeStats } from './merge-objects.js';
import type { MergeFavor } from './merge-text.js';
import { mergeTrees, type TreeRoot } from './merge-trees.js';

export interface MergeCommitsOptions {
  favor?: MergeFavor;
  /** merge histories with no common ancestor against an empty tree (git's --allow-unrelated-histories) */
  allowUnrelated?: boolean;
  /** make a merged tree even when ours could fast-forward to theirs */
  noFf?: boolean;
  oursLabel?: string;
  theirsLabel?: string;
}

/**
 * What merging `theirs` into `ours` comes to: nothing (theirs is already in ours), a
 * fast-forward to theirs, or a merged tree (with the conflicts that are left, if any).
 */
export type MergeCommitsResult =
  | { kind: 'up-to-date'; bases: Checksum[] }
  | { kind: 'fast-forward'; bases: Checksum[] }
  | { kind: 'merged'; bases: Checksum[]; root: TreeRoot; conflicts: MergeConflict[]; stats: MergeStats };

/**
 * Merges commit `theirs` into commit `ours` as `git merge` decides it: the merge bases over the
 * whole DAG; up to date when theirs is an ancestor of ours; a fast-forward when ours is an
 * ancestor of theirs (unless noFf); else a three-way tree merge. Several merge bases (a
 * criss-cross history) are first merged into a virtual base, as git's ort and recursive
 * strategies do (conflicts in it stay as markers). Histories with no common ancestor are
 * UNRELATED_HISTORIES unless allowUnrelated. Writes objects only through `objects`.
 */
export async function mergeCommits(
  objects: MergeObjects, ours: Checksum, theirs: Checksum, opts: MergeCommitsOptions = {},
): Promise<MergeCommitsResult> {
  const bases = await mergeBases(objects.repo, ours, theirs);
  if (bases.length === 0 && !opts.allowUnrelated) {
    throw new StoreError('UNRELATED_HISTORIES', `refusing to merge unrelated histories: ${ours} and ${theirs} have no common ancestor (allow it with --allow-unrelated-histories)`, { ours, theirs });
  }
  if (bases.includes(theirs)) return { kind: 'up-to-date', bases };
  if (bases.includes(ours) && !opts.noFf) return { kind: 'fast-forward', bases };
  const base = await virtualBase(objects, bases);
  const r = await mergeTrees(objects, base, await rootOf(objects, ours), await rootOf(objects, theirs), {
    ...(opts.favor ? { favor: opts.favor } : {}),
    oursLabel: opts.oursLabel ?? 'ours',
    theirsLabel: opts.theirsLabel ?? 'theirs',
  });
  return { kind: 'merged', bases, root: { tree: r.tree, meta: r.meta }, conflicts: r.conflicts, stats: r.stats };
}

export async function rootOf(objects: MergeObjects, commit: Checksum): Promise<TreeRoot> {
  const c = await objects.repo.readCommit(commit);
  return { tree: c.rootTree, meta: c.rootMeta };
}

/**
 * The tree to merge against: none (unrelated), the one base, or the bases merged pairwise into
 * one, oldest first, as git's merge_ort_internal does. A virtual base merged from two bases has
 * both as its history, so the next base is merged with it against the merge bases of the real
 * commits folded in so far (for the usual two bases, exactly git's choice).
 */
async function virtualBase(objects: MergeObjects, bases: readonly Checksum[]): Promise<TreeRoot | null> {
  if (bases.length === 0) return null;
  // mergeBases lists newest first; git folds them oldest first.
  const order = [...bases].reverse();
  const folded: Checksum[] = [order[0]!];
  let acc = await rootOf(objects, order[0]!);
  for (const next of order.slice(1)) {
    const inner = new Set<Checksum>();
    for (const c of folded) for (const b of await mergeBases(objects.repo, c, next)) inner.add(b);
    const innerBase = await virtualBase(objects, [...inner]);
    const r = await mergeTrees(objects, innerBase, acc, await rootOf(objects, next), {
      oursLabel: 'Temporary merge branch 1',
      theirsLabel: 'Temporary merge branch 2',
    });
    acc = { tree: r.tree, meta: r.meta };
    folded.push(next);
  }
  return acc;
}
