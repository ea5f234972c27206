import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { CommitGraph, type GraphNode } from './commit-graph.js';
import { DateQueue } from './date-queue.js';

const PARENT1 = 1;
const PARENT2 = 2;
const STALE = 4;
const RESULT = 8;

/**
 * Every best common ancestor of `a` and `b`, as `git merge-base --all` finds them (empty when the
 * histories are unrelated): the common ancestors that are not ancestors of another common
 * ancestor. Walks both histories newest first over every parent (OSTree's plus
 * `osgit.merge-parents`), each commit read once, and stops as soon as only stale commits are
 * left, so a base near the tips costs a few reads. A missing parent (shallow pull) ends the walk
 * there. Sorted newest first. Read-only; takes no lock.
 */
export async function mergeBases(repo: Repo, a: Checksum, b: Checksum): Promise<Checksum[]> {
  return mergeBasesIn(new CommitGraph(repo), a, b);
}

/** mergeBases over a CommitGraph the caller shares (so several queries read each commit once). */
export async function mergeBasesIn(graph: CommitGraph, a: Checksum, b: Checksum): Promise<Checksum[]> {
  await graph.start(a);
  await graph.start(b);
  if (a === b) return [a];
  const candidates = await paintDownToCommon(graph, a, [b]);
  const bases = await removeRedundant(graph, candidates.map((n) => n.checksum));
  return bases;
}

/**
 * True when `ancestor` is reachable from `descendant` over every parent (a commit is its own
 * ancestor), as `git merge-base --is-ancestor`. Read-only.
 */
export async function isAncestor(repo: Repo, ancestor: Checksum, descendant: Checksum): Promise<boolean> {
  return isAncestorIn(new CommitGraph(repo), ancestor, descendant);
}

export async function isAncestorIn(graph: CommitGraph, ancestor: Checksum, descendant: Checksum): Promise<boolean> {
  await graph.start(ancestor);
  await graph.start(descendant);
  if (ancestor === descendant) return true;
  const flags = new Map<Checksum, number>();
  await paint(graph, ancestor, [descendant], flags);
  return ((flags.get(ancestor) ?? 0) & PARENT2) !== 0;
}

/** The common ancestors of `one` and each of `twos` that the walk meets first (git's paint_down_to_common). */
async function paintDownToCommon(graph: CommitGraph, one: Checksum, twos: Checksum[]): Promise<GraphNode[]> {
  return paint(graph, one, twos, new Map());
}

async function paint(graph: CommitGraph, one: Checksum, twos: Checksum[], flags: Map<Checksum, number>): Promise<GraphNode[]> {
  const queue = new DateQueue();
  const result: GraphNode[] = [];
  const get = (c: Checksum) => flags.get(c) ?? 0;
  const start = async (c: Checksum, f: number) => {
    const node = await graph.start(c);
    const had = get(c);
    flags.set(c, had | f);
    if (had === 0) queue.push(node, true);
  };
  await start(one, PARENT1);
  for (const t of twos) await start(t, PARENT2);
  // Stop when only stale commits are queued: everything below them is below a found base.
  while (queue.counted > 0) {
    const node = queue.pop()!;
    let f = get(node.checksum) & (PARENT1 | PARENT2 | STALE);
    if (f === (PARENT1 | PARENT2)) {
      if ((get(node.checksum) & RESULT) === 0) {
        flags.set(node.checksum, get(node.checksum) | RESULT);
        result.push(node);
      }
      // Ancestors of a common ancestor are common too, but never "best".
      f |= STALE;
    }
    for (const p of node.parents) {
      if ((get(p) & f) === f) continue;
      const parent = await graph.node(p);
      if (!parent) continue; // shallow boundary
      const had = get(p);
      flags.set(p, had | f);
      queue.push(parent, ((had | f) & STALE) === 0);
    }
  }
  // A base found early can turn out to lie below a later one (clock skew): drop it.
  return result.filter((n) => (get(n.checksum) & STALE) === 0);
}

/** Drops every candidate that is an ancestor of another (git's remove_redundant). */
async function removeRedundant(graph: CommitGraph, candidates: Checksum[]): Promise<Checksum[]> {
  if (candidates.length <= 1) return candidates;
  const redundant = new Set<Checksum>();
  for (const c of candidates) {
    if (redundant.has(c)) continue;
    for (const other of candidates) {
      if (other === c || redundant.has(other)) continue;
      if (await isAncestorIn(graph, c, other)) {
        redundant.add(c);
        break;
      }
    }
  }
  const kept = candidates.filter((c) => !redundant.has(c));
  const nodes = await Promise.all(kept.map((c) => graph.start(c)));
  return nodes.sort((x, y) => (x.timestamp === y.timestamp ? 0 : x.timestamp > y.timestamp ? -1 : 1)).map((n) => n.checksum);
}
