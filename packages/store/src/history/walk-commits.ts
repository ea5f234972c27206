import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { CommitGraph, type GraphNode } from './commit-graph.js';
import { DateQueue } from './date-queue.js';

export interface WalkOptions {
  /**
   * `date` (default): newest first by commit time, as `git log`; streams, reading only what is
   * consumed. `topo`: no commit before all its children, a merged branch shown whole before the
   * mainline continues, as `git log --graph` (reads the whole selected history first).
   */
  order?: 'date' | 'topo';
  /** leave out these commits and everything reachable from them (`git log A ^B`) */
  exclude?: readonly Checksum[];
  /** share decoded commits with other queries */
  graph?: CommitGraph;
}

/**
 * The commits reachable from `starts` over every parent (OSTree's and `osgit.merge-parents`),
 * each once, in git's order. A missing parent (shallow pull) ends that line of history.
 * Read-only; takes no lock.
 */
export async function* walkCommits(repo: Repo, starts: readonly Checksum[], opts: WalkOptions = {}): AsyncGenerator<GraphNode> {
  const graph = opts.graph ?? new CommitGraph(repo);
  const order = opts.order ?? 'date';
  if (order === 'date' && !opts.exclude?.length) {
    yield* dateWalk(graph, starts);
    return;
  }
  const list = await limitedList(graph, starts, opts.exclude ?? []);
  if (order === 'date') yield* list;
  else yield* topoSort(list);
}

async function* dateWalk(graph: CommitGraph, starts: readonly Checksum[]): AsyncGenerator<GraphNode> {
  const seen = new Set<Checksum>();
  const queue = new DateQueue();
  for (const s of starts) {
    if (seen.has(s)) continue;
    seen.add(s);
    queue.push(await graph.start(s));
  }
  while (queue.size > 0) {
    const node = queue.pop()!;
    for (const p of node.parents) {
      if (seen.has(p)) continue;
      seen.add(p);
      const parent = await graph.node(p);
      if (parent) queue.push(parent);
    }
    yield node;
  }
}

/**
 * Every commit reachable from `starts` and not from `exclude`, newest first (git's limit_list):
 * both sides walk one date-ordered queue, excluded ones marking their ancestors, until only
 * excluded commits are queued; commits found excluded late (clock skew) are dropped at the end.
 */
async function limitedList(graph: CommitGraph, starts: readonly Checksum[], exclude: readonly Checksum[]): Promise<GraphNode[]> {
  const seen = new Set<Checksum>();
  const uninteresting = new Set<Checksum>();
  const queue = new DateQueue();
  for (const x of exclude) {
    uninteresting.add(x);
    if (!seen.has(x)) {
      seen.add(x);
      queue.push(await graph.start(x));
    }
  }
  for (const s of starts) {
    if (seen.has(s)) continue;
    seen.add(s);
    queue.push(await graph.start(s), true);
  }
  const out: GraphNode[] = [];
  while (queue.counted > 0) {
    const node = queue.pop()!;
    const excluded = uninteresting.has(node.checksum);
    if (excluded) await markAncestors(graph, node, uninteresting);
    for (const p of node.parents) {
      if (excluded) uninteresting.add(p);
      if (seen.has(p)) continue;
      seen.add(p);
      const parent = await graph.node(p);
      if (parent) queue.push(parent, !uninteresting.has(p));
    }
    if (!excluded) out.push(node);
  }
  return out.filter((n) => !uninteresting.has(n.checksum));
}

/** Marks the already-seen ancestors of an excluded commit excluded too (git's mark_parents_uninteresting). */
async function markAncestors(graph: CommitGraph, node: GraphNode, uninteresting: Set<Checksum>): Promise<void> {
  const stack = [...node.parents];
  while (stack.length > 0) {
    const c = stack.pop()!;
    const known = uninteresting.has(c);
    uninteresting.add(c);
    if (known) continue;
    // Only commits already read carry their parents; unread ones are marked when queued.
    const parent = graph.peek(c);
    if (parent) stack.push(...parent.parents);
  }
}

/**
 * Git's sort_in_topological_order for `--graph`: tips in the order given, then a LIFO stack where
 * a parent is pushed once its last child is emitted, so a merge's last parent's line comes first.
 */
function topoSort(list: GraphNode[]): GraphNode[] {
  const indegree = new Map<Checksum, number>();
  for (const n of list) indegree.set(n.checksum, 1);
  for (const n of list) {
    for (const p of n.parents) {
      const d = indegree.get(p);
      if (d) indegree.set(p, d + 1);
    }
  }
  const byChecksum = new Map(list.map((n) => [n.checksum, n] as const));
  const stack: GraphNode[] = list.filter((n) => indegree.get(n.checksum) === 1).reverse();
  const out: GraphNode[] = [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const p of node.parents) {
      const d = indegree.get(p);
      if (!d) continue;
      indegree.set(p, d - 1);
      if (d - 1 === 1) stack.push(byChecksum.get(p)!);
    }
    indegree.set(node.checksum, 0);
    out.push(node);
  }
  return out;
}
