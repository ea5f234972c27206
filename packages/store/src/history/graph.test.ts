// renderGraph draws what `git log --graph --format=%s` draws: fixed shapes written out by hand,
// and many pseudo-random histories (merges, octopus merges, several roots and tips) built in a
// real git repository, whose commits in git's own order are fed to the renderer.
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool, runOk } from '../../../../test/helpers/tools.js';
import { makePrng } from '../../../../test/helpers/prng.js';
import { renderGraph, type GraphCommit } from './graph.js';

requireTool('git');
const tmp = tempDirs('graph');
afterAll(() => tmp.cleanup());

/** The graph as text: each commit line with its id as the subject. */
function draw(commits: GraphCommit[]): string[] {
  return renderGraph(commits).map((l) => (l.commit ? `${l.graph}${l.commit}` : l.graph).trimEnd());
}

describe('renderGraph', () => {
  it('draws a line of commits', () => {
    expect(draw([{ id: 'C', parents: ['B'] }, { id: 'B', parents: ['A'] }, { id: 'A', parents: [] }])).toEqual(['* C', '* B', '* A']);
  });

  it('draws a merge, its branch shown first, and the lines joining again', () => {
    expect(draw([
      { id: 'M', parents: ['C', 'Y'] },
      { id: 'Y', parents: ['B'] },
      { id: 'C', parents: ['B'] },
      { id: 'B', parents: [] },
    ])).toEqual([
      '*   M',
      '|\\',
      '| * Y',
      '* | C',
      '|/',
      '* B',
    ]);
  });

  it('draws an octopus merge with dashes', () => {
    expect(draw([
      { id: 'O', parents: ['A', 'B', 'C'] },
      { id: 'C', parents: [] },
      { id: 'B', parents: [] },
      { id: 'A', parents: [] },
    ])).toEqual([
      '*-.   O',
      '|\\ \\',
      '| | * C',
      '| * B',
      '* A',
    ]);
  });
});

/** A random history: mostly one parent, some merges of 2 or 3, some new roots; recent commits preferred. */
function randomHistory(seed: number, size: number): Array<{ parents: number[] }> {
  const rnd = makePrng(seed);
  const out: Array<{ parents: number[] }> = [];
  for (let i = 0; i < size; i++) {
    const pick = () => Math.max(0, i - 1 - Math.floor(rnd.next() ** 2 * i));
    const r = rnd.next();
    let parents: number[];
    if (i === 0 || r < 0.05) parents = [];
    else if (r < 0.7) parents = [pick()];
    else if (r < 0.93) parents = [pick(), pick()];
    else parents = [pick(), pick(), pick()];
    out.push({ parents: [...new Set(parents)] });
  }
  return out;
}

async function gitRepoOf(history: Array<{ parents: number[] }>): Promise<string> {
  const dir = tmp.path('git', 'git');
  await runOk('git', ['init', '-q', '--bare', dir]);
  // One fast-import stream: commit i is refs/heads/cI, at its own time.
  let stream = '';
  for (const [i, c] of history.entries()) {
    stream += `commit refs/heads/c${i}\nmark :${i + 1}\ncommitter o <o@example.org> ${1_700_000_000 + 60 * i} +0000\ndata ${`c${i}`.length}\nc${i}\n`;
    for (const [k, p] of c.parents.entries()) stream += `${k === 0 ? 'from' : 'merge'} :${p + 1}\n`;
    stream += '\n';
  }
  await runOk('git', ['--git-dir', dir, 'fast-import', '--quiet'], { input: stream });
  return dir;
}

describe('renderGraph agrees with git log --graph', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    it(`on random history ${seed}`, async () => {
      const history = randomHistory(seed, 12 + seed * 3);
      const dir = await gitRepoOf(history);
      const hasChild = new Set(history.flatMap((c) => c.parents));
      // Every tip, and for a few seeds only part of the history (a parent outside is not drawn).
      const tips = history.map((_, i) => i).filter((i) => !hasChild.has(i)).map((i) => `c${i}`);
      const args = seed % 4 === 0 ? [...tips, `^c${Math.floor(history.length / 3)}`] : tips;
      const order = (await runOk('git', ['--git-dir', dir, 'log', '--topo-order', '--format=%s %P', ...args])).stdout;
      const subjectOf = new Map<string, string>();
      for (const line of (await runOk('git', ['--git-dir', dir, 'log', '--all', '--format=%H %s'])).stdout.trim().split('\n')) {
        const [h, s] = line.split(' ');
        subjectOf.set(h!, s!);
      }
      const rows = order.trim().split('\n').map((l) => l.split(' ').filter(Boolean));
      const shown = new Set(rows.map((r) => r[0]!));
      const commits = rows.map(([id, ...parents]) => ({ id: id!, parents: parents.map((p) => subjectOf.get(p)!).filter((p) => shown.has(p)) }));
      const want = (await runOk('git', ['--git-dir', dir, 'log', '--graph', '--format=%s', ...args])).stdout.trimEnd().split('\n').map((l) => l.trimEnd());
      expect(draw(commits).join('\n')).toBe(want.join('\n'));
    });
  }
});
