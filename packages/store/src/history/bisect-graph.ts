import type { Checksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import type { Repo } from '../repo/repo.js';
import { commitParents } from './commit-parents.js';
import type { BisectGraph } from './bisect-next.js';

/**
 * Parents of a commit over the whole DAG (OSTree parent + osgit.merge-parents), or null when the
 * commit object is missing: a shallow pull ends the history there, which is not an error.
 */
async function parentsOrNull(repo: Repo, commit: Checksum, cache: Map<Checksum, Checksum[] | null>): Promise<Checksum[] | null> {
  if (cache.has(commit)) return cache.get(commit)!;
  let parents: Checksum[] | null;
  try {
    parents = commitParents(await repo.readCommit(commit), commit);
  } catch (err) {
    if (!(err instanceof StoreError && err.code === 'OBJECT_MISSING')) throw err;
    parents = null;
  }
  cache.set(commit, parents);
  return parents;
}

/** Every commit reachable from `starts` (themselves included) over all parents. */
async function ancestorSet(repo: Repo, starts: readonly Checksum[], cache: Map<Checksum, Checksum[] | null>): Promise<Set<Checksum>> {
  const seen = new Set<Checksum>(starts);
  const queue = [...starts];
  while (queue.length > 0) {
    for (const p of (await parentsOrNull(repo, queue.pop()!, cache)) ?? []) {
      if (!seen.has(p)) {
        seen.add(p);
        queue.push(p);
      }
    }
  }
  return seen;
}

/**
 * The goods (of `goods`) that are not ancestors of `bad`, a commit counting as its own
 * ancestor: bisect needs every good commit below the bad one.
 */
export async function goodsNotBelow(repo: Repo, bad: Checksum, goods: readonly Checksum[]): Promise<Checksum[]> {
  if (goods.length === 0) return [];
  const below = await ancestorSet(repo, [bad], new Map());
  return goods.filter((g) => !below.has(g));
}

/**
 * The commits left to search: reachable from `bad` and from none of `goods`, in a topological
 * order (parents first, depth-first along parents in order), with their candidate parents.
 * Reads every ancestor of the goods once.
 */
export async function loadBisectGraph(repo: Repo, bad: Checksum, goods: readonly Checksum[]): Promise<BisectGraph> {
  const cache = new Map<Checksum, Checksum[] | null>();
  const excluded = await ancestorSet(repo, goods, cache);
  const parents = new Map<Checksum, Checksum[]>();
  const candidates: Checksum[] = [];
  if (excluded.has(bad)) return { bad, candidates, parents };
  // Iterative post-order DFS so that a long linear history cannot overflow the stack.
  const state = new Map<Checksum, 'open' | 'done'>();
  const stack: Array<{ commit: Checksum; next: number; parents: Checksum[] }> = [];
  const open = async (commit: Checksum): Promise<void> => {
    state.set(commit, 'open');
    const all = (await parentsOrNull(repo, commit, cache)) ?? [];
    const inside = all.filter((p) => !excluded.has(p) && cache.get(p) !== null);
    stack.push({ commit, next: 0, parents: inside });
  };
  await open(bad);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.parents.length) {
      const p = top.parents[top.next++]!;
      if (!state.has(p)) {
        // A parent whose object is missing ends the history: it is not a candidate.
        if ((await parentsOrNull(repo, p, cache)) === null) continue;
        await open(p);
      }
      continue;
    }
    stack.pop();
    state.set(top.commit, 'done');
    parents.set(top.commit, top.parents.filter((p) => cache.get(p) !== null));
    candidates.push(top.commit);
  }
  return { bad, candidates, parents };
}
