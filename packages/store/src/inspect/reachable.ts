import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { ObjectType } from '../objects/object-type.js';
import type { Repo } from '../repo/repo.js';
import { commitParents } from '../history/commit-parents.js';

export interface ReachableObject {
  type: ObjectType;
  checksum: Checksum;
}

export interface ReachableOptions {
  /** commits the receiver has: their history is not walked and nothing their trees hold is listed */
  haves?: readonly Checksum[];
  /** parent steps (over every parent) to follow from each want: 0 = the commit only (default), -1 = all history */
  depth?: number;
  /** list commits (and their commitmeta) only, no trees */
  commitMetadataOnly?: boolean;
}

/** Objects listed between two turns of the event loop, so a long walk does not starve a server. */
const BATCH = 1000;

/**
 * Every object the `wants` commits reach, each once: first each commit and then its commitmeta
 * (when the repo has one), then their parents breadth-first over every parent (OSTree's `parent`
 * and a merge commit's `osgit.merge-parents`), each commit once, down to `depth` = the shortest
 * number of parent steps from a want (1 of a merge: the merge and all its parents, as
 * `git fetch --depth 2`); then, per commit, its trees depth-first
 * (dirmeta before the dirtree that uses it, files after their dirtree). A dirtree that a `have`
 * commit's tree holds is skipped with its whole subtree, as are dirmetas and files that tree
 * holds; the history of a `have` is not walked. A parent commit missing at the depth edge is
 * where history ends (ostree tolerates truncated history); any other missing object is
 * OBJECT_MISSING. Read-only, lock-free.
 */
export async function* reachableObjects(repo: Repo, wants: readonly Checksum[], opts: ReachableOptions = {}): AsyncGenerator<ReachableObject> {
  const depth = opts.depth ?? 0;
  const haves = new Set(opts.haves ?? []);
  const seen = new Set<string>();
  const first = (type: ObjectType, checksum: Checksum): boolean => {
    const key = type + checksum;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  let listed = 0;
  const pace = async (): Promise<void> => {
    if (++listed % BATCH === 0) await yieldToLoop();
  };

  // Breadth-first over every parent (OSTree's and osgit.merge-parents), so a commit's level is its
  // shortest distance from a want and `depth` bounds that distance on every side of a merge.
  const roots: Array<{ tree: Checksum; meta: Checksum }> = [];
  let frontier: Checksum[] = [];
  for (const want of wants) if (!haves.has(want) && first('commit', want)) frontier.push(want);
  for (let level = 0; frontier.length > 0; level++) {
    const next: Checksum[] = [];
    for (const commit of frontier) {
      if (level > 0 && !repo.hasObjectSync(commit, 'commit')) continue; // truncated history: this line ends here
      const c = repo.readCommitSync(commit);
      yield { type: 'commit', checksum: commit };
      await pace();
      if (repo.hasObjectSync(commit, 'commitmeta')) yield { type: 'commitmeta', checksum: commit };
      roots.push({ tree: c.rootTree, meta: c.rootMeta });
      if (depth >= 0 && level >= depth) continue;
      for (const parent of commitParents(c, commit)) {
        if (!haves.has(parent) && first('commit', parent)) next.push(parent);
      }
    }
    frontier = next;
  }
  if (opts.commitMetadataOnly) return;

  const have = await haveSide(repo, haves);
  const need = (type: ObjectType, checksum: Checksum): boolean => {
    if (!first(type, checksum)) return false;
    if (have.has(type + checksum)) return false;
    if (!repo.hasObjectSync(checksum, type)) {
      throw new StoreError('OBJECT_MISSING', `${type} object ${checksum} is not in the repository`, { checksum, type });
    }
    return true;
  };
  for (const root of roots) {
    const stack = [root];
    while (stack.length > 0) {
      const { tree, meta } = stack.pop()!;
      if (need('dirmeta', meta)) {
        yield { type: 'dirmeta', checksum: meta };
        await pace();
      }
      if (!need('dirtree', tree)) continue;
      yield { type: 'dirtree', checksum: tree };
      await pace();
      const dt = repo.readDirTreeSync(tree);
      for (const f of dt.files) {
        if (need('file', f.checksum)) {
          yield { type: 'file', checksum: f.checksum };
          await pace();
        }
      }
      for (let i = dt.dirs.length - 1; i >= 0; i--) stack.push(dt.dirs[i]!);
    }
  }
}

/**
 * Keys (type + checksum) of every dirtree, dirmeta and file the `haves` commits' trees hold. A
 * have the repo lacks is one the receiver has and we do not: nothing to subtract for it. Metadata
 * only, and each shared subtree is read once.
 */
async function haveSide(repo: Repo, haves: ReadonlySet<Checksum>): Promise<Set<string>> {
  const out = new Set<string>();
  let read = 0;
  for (const have of haves) {
    if (!repo.hasObjectSync(have, 'commit')) continue;
    const c = repo.readCommitSync(have);
    const stack = [{ tree: c.rootTree, meta: c.rootMeta }];
    while (stack.length > 0) {
      const { tree, meta } = stack.pop()!;
      out.add('dirmeta' + meta);
      if (out.has('dirtree' + tree)) continue;
      out.add('dirtree' + tree);
      // The receiver claims it has this commit; a hole in our copy of it only shrinks what we skip.
      if (!repo.hasObjectSync(tree, 'dirtree')) continue;
      const dt = repo.readDirTreeSync(tree);
      if (++read % BATCH === 0) await yieldToLoop();
      for (const f of dt.files) out.add('file' + f.checksum);
      for (const d of dt.dirs) stack.push(d);
    }
  }
  return out;
}
