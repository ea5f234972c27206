import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { objectExtension } from '../objects/object-type.js';
import { isCommitPartial } from '../repo/commit-partial.js';
import { commitParents } from '../history/commit-parents.js';

/** A commit the mark phase starts from, and how many parent steps to follow from it (-1 = all). */
export interface PruneRoot {
  commit: Checksum;
  depth: number;
  /** what made it a root, for messages and the report (`ref os/stable`, `deployment ...`, `commit object`) */
  source: string;
}

/** The set of reachable objects, as `<checksum>.<ext>` keys (the object's file name with its fan-out). */
export class ReachableSet {
  readonly keys = new Set<string>();
  private readonly fileExt: string;
  commits = 0;
  dirtreesRead = 0;

  constructor(readonly repo: Repo) {
    this.fileExt = objectExtension('file', repo.mode);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  hasCommit(commit: Checksum): boolean {
    return this.keys.has(`${commit}.commit`);
  }

  /**
   * Marks `commit` (which must exist) and everything its tree holds: each dirtree is read once
   * (a subtree already marked is skipped whole, as libostree's traverse does). A commit marked
   * partial (state/*.commitpartial) may lack dirtrees; any other missing dirtree is OBJECT_MISSING,
   * and prune stops before it deletes anything.
   */
  async markCommit(commit: Checksum, source: string): Promise<void> {
    if (!this.add(`${commit}.commit`)) return;
    this.commits++;
    const c = this.repo.readCommitSync(commit);
    let partial: boolean | null = null;
    const stack: Array<{ tree: Checksum; meta: Checksum }> = [{ tree: c.rootTree, meta: c.rootMeta }];
    while (stack.length > 0) {
      const { tree, meta } = stack.pop()!;
      this.keys.add(`${meta}.dirmeta`);
      if (!this.add(`${tree}.dirtree`)) continue;
      let dt;
      try {
        dt = this.repo.readDirTreeSync(tree);
      } catch (err) {
        if (!(err instanceof StoreError && err.code === 'OBJECT_MISSING')) throw err;
        partial ??= await isCommitPartial(this.repo, commit);
        if (partial) continue;
        throw new StoreError(
          'OBJECT_MISSING',
          `dirtree ${tree} of commit ${commit} (${source}) is not in the repository, and the commit is not marked partial; run 'osgit fsck' (prune deleted nothing)`,
          { checksum: tree, type: 'dirtree', commit },
          { cause: err },
        );
      }
      this.dirtreesRead++;
      for (const f of dt.files) this.keys.add(`${f.checksum}.${this.fileExt}`);
      for (const d of dt.dirs) stack.push(d);
    }
  }

  private add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }
}

/**
 * Marks every root to its depth over the whole DAG (OSTree's parent and osgit.merge-parents):
 * a commit is kept when its shortest parent distance from some root is within that root's depth.
 * History ends quietly at a commit that is not in the repository (ostree tolerates truncated
 * history), a root included.
 */
export async function markRoots(set: ReachableSet, roots: readonly PruneRoot[]): Promise<void> {
  // Best remaining budget per commit (Infinity = all history); a commit is walked again only
  // when it is reached with a larger budget than before.
  const budget = new Map<Checksum, number>();
  let queue: Array<{ commit: Checksum; left: number; source: string }> = roots.map((r) => ({
    commit: r.commit,
    left: r.depth < 0 ? Infinity : r.depth,
    source: r.source,
  }));
  while (queue.length > 0) {
    const next: typeof queue = [];
    for (const { commit, left, source } of queue) {
      const before = budget.get(commit);
      if (before !== undefined && before >= left) continue;
      if (before === undefined && !set.repo.hasObjectSync(commit, 'commit')) {
        budget.set(commit, Infinity); // not here: history ends, whatever the budget
        continue;
      }
      budget.set(commit, left);
      if (before === undefined) await set.markCommit(commit, source);
      if (left === 0) continue;
      const c = set.repo.readCommitSync(commit);
      for (const parent of commitParents(c, commit)) next.push({ commit: parent, left: left - 1, source });
    }
    // Larger budgets first, so that most commits are walked once.
    queue = next.sort((a, b) => b.left - a.left);
  }
}

/**
 * `--keep-younger-than`: each tip is kept, then its ancestors (over every parent) while their
 * timestamp is at or after `since` (seconds); each kept commit is marked alone (depth 0), as
 * ostree's traverse_keep_younger_than does over the first parent.
 */
export async function markYoungerThan(set: ReachableSet, tips: readonly PruneRoot[], since: bigint): Promise<void> {
  const seen = new Set<Checksum>();
  for (const tip of tips) {
    if (!set.repo.hasObjectSync(tip.commit, 'commit')) continue;
    await set.markCommit(tip.commit, tip.source);
    let frontier = [tip.commit];
    while (frontier.length > 0) {
      const next: Checksum[] = [];
      for (const commit of frontier) {
        if (seen.has(commit) || !set.repo.hasObjectSync(commit, 'commit')) continue;
        seen.add(commit);
        const c = set.repo.readCommitSync(commit);
        if (c.timestamp < since) continue;
        await set.markCommit(commit, tip.source);
        next.push(...commitParents(c, commit));
      }
      frontier = next;
    }
  }
}
