import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import type { BisectGraph } from './bisect-next.js';
import { CommitGraph } from './commit-graph.js';
import { isAncestorIn } from './merge-base.js';
import { walkCommits } from './walk-commits.js';

/**
 * The goods (of `goods`) that are not ancestors of `bad`, a commit counting as its own
 * ancestor: bisect needs every good commit below the bad one.
 */
export async function goodsNotBelow(repo: Repo, bad: Checksum, goods: readonly Checksum[]): Promise<Checksum[]> {
  const graph = new CommitGraph(repo);
  const outside: Checksum[] = [];
  for (const g of goods) if (!(await isAncestorIn(graph, g, bad))) outside.push(g);
  return outside;
}

/**
 * The commits left to search: reachable from `bad` and from none of `goods` (git's
 * `rev-list BAD --not GOODS`, over every parent), parents first, with their candidate parents.
 * A missing parent (shallow pull) ends the history there.
 */
export async function loadBisectGraph(repo: Repo, bad: Checksum, goods: readonly Checksum[]): Promise<BisectGraph> {
  const nodes = [];
  for await (const node of walkCommits(repo, [bad], { exclude: goods, order: 'topo' })) nodes.push(node);
  nodes.reverse();
  const inside = new Set(nodes.map((n) => n.checksum));
  const parents = new Map<Checksum, Checksum[]>();
  for (const n of nodes) parents.set(n.checksum, n.parents.filter((p) => inside.has(p)));
  return { bad, candidates: nodes.map((n) => n.checksum), parents };
}
