// walkCommits lists the same commits in the same order as `git rev-list` (date order),
// `git rev-list --topo-order` (the order of `git log --graph`) and `git rev-list A ^B`.
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool } from '../../../../test/helpers/tools.js';
import { buildDag, DAGS, git, type BuiltDag } from '../../../../test/helpers/dag.js';
import { Repo } from '../repo/repo.js';
import { walkCommits, type WalkOptions } from './walk-commits.js';

requireTool('git');
const tmp = tempDirs('walk-commits');
afterAll(() => tmp.cleanup());

async function ours(dag: BuiltDag, starts: string[], opts: Omit<WalkOptions, 'exclude'> & { exclude?: string[] } = {}): Promise<string[]> {
  const out: string[] = [];
  const exclude = opts.exclude?.map((n) => dag.osgit.get(n)!);
  for await (const n of walkCommits(dag.repo, starts.map((s) => dag.osgit.get(s)!), { ...opts, ...(exclude ? { exclude } : {}) })) {
    out.push(dag.nameOf(n.checksum));
  }
  return out;
}

async function gits(dag: BuiltDag, args: string[]): Promise<string[]> {
  const revs = args.map((a) => (a.startsWith('-') ? a : a.startsWith('^') ? `^${dag.git.get(a.slice(1))!}` : dag.git.get(a)!));
  return (await git(dag.gitDir, ['rev-list', ...revs])).stdout.split('\n').filter(Boolean).map(dag.nameOf);
}

// Commits made within one second (a scripted build) tie on time, and clocks go backwards: git's
// queue then keeps the order commits were found in, and so must ours.
const SAME_SECOND = Object.fromEntries(
  Object.entries(DAGS).filter(([name]) => ['mergeThenBranch', 'crissCross', 'octopus'].includes(name)).map(([name, nodes]) => [`${name} (one second)`, nodes.map((n) => ({ ...n, time: 1_700_000_000 }))]),
);
const SKEWED = { 'mergeThenBranch (clock skew)': DAGS.mergeThenBranch!.map((n, i) => ({ ...n, time: 1_700_000_000 + ((i * 7) % 5) * 60 })) };
const SHAPES = { ...DAGS, ...SAME_SECOND, ...SKEWED };

describe('walkCommits agrees with git rev-list', () => {
  for (const shape of Object.keys(SHAPES)) {
    it(`on the ${shape} history, from every commit`, async () => {
      const repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
      const dag = await buildDag(repo, tmp.path('git', 'git'), SHAPES[shape]!);
      const names = [...dag.osgit.keys()];
      for (const tip of names) {
        expect({ tip, order: await ours(dag, [tip]) }).toEqual({ tip, order: await gits(dag, [tip]) });
        expect({ tip, topo: await ours(dag, [tip], { order: 'topo' }) }).toEqual({ tip, topo: await gits(dag, ['--topo-order', tip]) });
      }
      const last = names[names.length - 1]!;
      for (const ex of names) {
        expect({ ex, list: await ours(dag, [last], { exclude: [ex] }) }).toEqual({ ex, list: await gits(dag, [last, `^${ex}`]) });
        expect({ ex, list: await ours(dag, [last], { exclude: [ex], order: 'topo' }) })
          .toEqual({ ex, list: await gits(dag, ['--topo-order', last, `^${ex}`]) });
      }
      expect(await ours(dag, names.slice(-2), { order: 'topo' })).toEqual(await gits(dag, ['--topo-order', ...names.slice(-2)]));
    });
  }
});
