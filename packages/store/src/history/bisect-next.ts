import type { Checksum } from '../checksum.js';

/**
 * The part of the commit graph a bisection works on: the candidates (commits reachable from the
 * bad commit and from no good one, the bad commit included) and, for each, its parents that are
 * candidates too. Built by loadBisectGraph; a plain value so that the choice below is pure.
 */
export interface BisectGraph {
  bad: Checksum;
  /** every candidate, parents before children (a topological order), the bad commit last */
  candidates: Checksum[];
  /** candidate -> its parents that are candidates (OSTree parent first, then merge parents) */
  parents: ReadonlyMap<Checksum, readonly Checksum[]>;
}

/** What the bisection asks for next. */
export type BisectChoice =
  /** test `commit`; `remaining` and `steps` are git's "N revisions left … (roughly K steps)" */
  | { kind: 'test'; commit: Checksum; remaining: number; steps: number; candidates: number }
  /** only the bad commit is left: it is the first bad one */
  | { kind: 'found'; commit: Checksum }
  /** every candidate but the bad one was skipped: any of these could be the first bad one */
  | { kind: 'undecided'; candidates: Checksum[] };

/**
 * Chooses the next commit to test as git's find_bisection does (bisect.c): for each candidate,
 * its weight n is the number of candidates that are its ancestors (itself included); the best
 * commit maximises min(n, N - n), N being the number of candidates. Skipped commits are never
 * chosen; git then picks pseudo-randomly near the best, here the best remaining one is taken
 * (ties go to the oldest in topological order), which converges as well. Pure.
 */
export function chooseBisectCommit(graph: BisectGraph, skipped: ReadonlySet<Checksum>): BisectChoice {
  const all = graph.candidates.length;
  if (all <= 1) return { kind: 'found', commit: graph.bad };
  const weights = bisectWeights(graph);
  let best: Checksum | null = null;
  let bestDistance = -1;
  for (const c of graph.candidates) {
    // The bad commit can be skipped in git only by error; it is never a test point here.
    if (c === graph.bad || skipped.has(c)) continue;
    const n = weights.get(c)!;
    const distance = Math.min(n, all - n);
    if (distance > bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  if (best === null) return { kind: 'undecided', candidates: [...graph.candidates] };
  // git's bisect_next_all: "nr = all - reaches - 1" with reaches the weight of the chosen commit.
  return { kind: 'test', commit: best, remaining: all - weights.get(best)! - 1, steps: estimateBisectSteps(all), candidates: all };
}

/**
 * For each candidate, how many candidates are its ancestors, itself included. A commit with at
 * most one candidate parent has its parent's weight plus one: a parent outside the candidates
 * is reachable from a good commit, and so are all of its ancestors. Only merges of two or more
 * candidates need a walk (git's do_find_bisection does the same).
 */
export function bisectWeights(graph: BisectGraph): Map<Checksum, number> {
  const weights = new Map<Checksum, number>();
  for (const c of graph.candidates) {
    const parents = graph.parents.get(c) ?? [];
    if (parents.length === 0) weights.set(c, 1);
    else if (parents.length === 1) weights.set(c, weights.get(parents[0]!)! + 1);
    else weights.set(c, countAncestors(graph, c));
  }
  return weights;
}

function countAncestors(graph: BisectGraph, start: Checksum): number {
  const seen = new Set<Checksum>([start]);
  const stack = [start];
  while (stack.length > 0) {
    for (const p of graph.parents.get(stack.pop()!) ?? []) {
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return seen.size;
}

/** git's estimate_bisect_steps: about log2(all) more tests, rounded as git rounds it. */
export function estimateBisectSteps(all: number): number {
  if (all < 3) return 0;
  const n = Math.floor(Math.log2(all));
  const e = 2 ** n;
  const x = all - e;
  return e < 3 * x ? n : n - 1;
}
