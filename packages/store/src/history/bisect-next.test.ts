// The choice of the next commit to test, on graphs written out by hand: weights count the
// candidate ancestors (itself included), the best commit splits the candidates most evenly,
// skipped commits are never chosen, and the answer comes when only the bad commit is left.
import { describe, expect, it } from 'vitest';
import { bisectWeights, chooseBisectCommit, estimateBisectSteps, type BisectGraph } from './bisect-next.js';

/** A graph from "child: parent parent" lines over short names, listed parents first. */
function graph(lines: string[]): BisectGraph {
  const parents = new Map<string, string[]>();
  for (const line of lines) {
    const [child, rest] = line.split(':') as [string, string];
    parents.set(child.trim(), rest.trim() === '' ? [] : rest.trim().split(/\s+/));
  }
  const candidates = [...parents.keys()];
  return { bad: candidates[candidates.length - 1]!, candidates, parents };
}

/** c1 <- c2 <- ... <- cN, cN bad. */
function linear(n: number): BisectGraph {
  return graph(Array.from({ length: n }, (_, i) => `c${i + 1}: ${i === 0 ? '' : `c${i}`}`));
}

describe('bisectWeights', () => {
  it('counts the candidates below a commit, itself included, across a merge', () => {
    //   a - b - d - e   (d merges c)
    //    \- c -/
    const g = graph(['a:', 'b: a', 'c: a', 'd: b c', 'e: d']);
    expect(Object.fromEntries(bisectWeights(g))).toEqual({ a: 1, b: 2, c: 2, d: 4, e: 5 });
  });
});

describe('chooseBisectCommit', () => {
  it('picks the middle of a linear history, as git does', () => {
    // git 2.39 on 9 and 10 candidates: "Bisecting: 4 revisions left to test after this (roughly 2 steps)"
    expect(chooseBisectCommit(linear(9), new Set())).toEqual({ kind: 'test', commit: 'c4', remaining: 4, steps: 2, candidates: 9 });
    expect(chooseBisectCommit(linear(10), new Set())).toMatchObject({ kind: 'test', commit: 'c5', remaining: 4 });
  });

  it('names the bad commit when it is the only candidate left', () => {
    expect(chooseBisectCommit(linear(1), new Set())).toEqual({ kind: 'found', commit: 'c1' });
  });

  it('never chooses a skipped commit, and goes to the best of the others', () => {
    const c = chooseBisectCommit(linear(9), new Set(['c4']));
    expect(c.kind).toBe('test');
    expect(c.kind === 'test' && c.commit).toBe('c5');
  });

  it('is undecided when every candidate but the bad one is skipped', () => {
    expect(chooseBisectCommit(linear(3), new Set(['c1', 'c2']))).toEqual({ kind: 'undecided', candidates: ['c1', 'c2', 'c3'] });
  });

  it('weighs both sides of a merge', () => {
    // side branch s1..s4 merged at m; main m1..m2 before it.
    const g = graph(['m1:', 'm2: m1', 's1:', 's2: s1', 's3: s2', 's4: s3', 'm: m2 s4', 'top: m']);
    // 8 candidates: s3 has 3 below it (s1..s3), s4 has 4: min(4, 4) = 4 is the best split.
    expect(chooseBisectCommit(g, new Set())).toMatchObject({ kind: 'test', commit: 's4' });
  });
});

describe('estimateBisectSteps', () => {
  it('rounds log2 as git does', () => {
    // "(roughly K steps)" as git 2.39 printed it after `git bisect start HEAD HEAD~N` on a linear history.
    expect([2, 3, 4, 5, 6, 9, 10, 12, 16, 29, 30].map(estimateBisectSteps)).toEqual([0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4]);
  });
});
