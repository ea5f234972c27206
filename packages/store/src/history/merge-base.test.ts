// Merge bases and ancestry agree with git's on the same histories (built by test/helpers/dag.ts
// in a real git repository and in osgit), and the walk reads only what it needs.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool } from '../../../../test/helpers/tools.js';
import { buildDag, DAGS, git, writeCommitObject, type BuiltDag } from '../../../../test/helpers/dag.js';
import { Repo } from '../repo/repo.js';
import { objectRelPath } from '../objects/object-type.js';
import { StoreError } from '../errors.js';
import { mergeBases, isAncestor } from './merge-base.js';

requireTool('git');
const tmp = tempDirs('merge-base');
afterAll(() => tmp.cleanup());

// Ties on commit time (a scripted build) and clocks going backwards, where a date-ordered walk
// meets commits out of order: the bases must still be git's.
const SHAPES = {
  ...DAGS,
  'crissCross (one second)': DAGS.crissCross!.map((n) => ({ ...n, time: 1_700_000_000 })),
  'mergeThenBranch (clock skew)': DAGS.mergeThenBranch!.map((n, i) => ({ ...n, time: 1_700_000_000 + ((i * 7) % 5) * 60 })),
  'octopus (clock skew)': DAGS.octopus!.map((n, i) => ({ ...n, time: 1_700_000_000 - i * 60 })),
};

async function build(shape: keyof typeof SHAPES): Promise<BuiltDag> {
  const repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
  return buildDag(repo, tmp.path('git', 'git'), SHAPES[shape]!);
}

async function gitMergeBases(dag: BuiltDag, a: string, b: string): Promise<string[]> {
  const r = await git(dag.gitDir, ['merge-base', '--all', dag.git.get(a)!, dag.git.get(b)!]).catch(() => ({ stdout: '' }));
  return r.stdout.split('\n').filter(Boolean).map(dag.nameOf).sort();
}

/** Ancestors of each node (itself included), as git lists them. */
async function gitAncestors(dag: BuiltDag): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const [name, sha] of dag.git) {
    const r = await git(dag.gitDir, ['rev-list', sha]);
    out.set(name, new Set(r.stdout.split('\n').filter(Boolean).map(dag.nameOf)));
  }
  return out;
}

describe('mergeBases and isAncestor agree with git', () => {
  for (const shape of Object.keys(SHAPES) as Array<keyof typeof SHAPES>) {
    it(`on the ${shape} history, for every pair of commits`, async () => {
      const dag = await build(shape);
      const names = [...dag.osgit.keys()];
      const ancestors = await gitAncestors(dag);
      for (const [i, a] of names.entries()) {
        for (const b of names.slice(i)) {
          const ours = (await mergeBases(dag.repo, dag.osgit.get(a)!, dag.osgit.get(b)!)).map(dag.nameOf).sort();
          expect({ a, b, bases: ours }).toEqual({ a, b, bases: await gitMergeBases(dag, a, b) });
          const reversed = (await mergeBases(dag.repo, dag.osgit.get(b)!, dag.osgit.get(a)!)).map(dag.nameOf).sort();
          expect({ a, b, bases: reversed }).toEqual({ a, b, bases: ours });
          for (const [x, y] of [[a, b], [b, a]] as const) {
            expect({ x, y, is: await isAncestor(dag.repo, dag.osgit.get(x)!, dag.osgit.get(y)!) })
              .toEqual({ x, y, is: ancestors.get(y)!.has(x) });
          }
        }
      }
    });
  }

  it('finds the two bases of a criss-cross merge', async () => {
    const dag = await build('crissCross');
    const bases = await mergeBases(dag.repo, dag.osgit.get('P2')!, dag.osgit.get('Q2')!);
    expect(bases.map(dag.nameOf).sort()).toEqual(['L', 'R']);
  });

  it('finds none for unrelated histories', async () => {
    const dag = await build('unrelated');
    expect(await mergeBases(dag.repo, dag.osgit.get('B')!, dag.osgit.get('S')!)).toEqual([]);
    expect(await isAncestor(dag.repo, dag.osgit.get('A')!, dag.osgit.get('S')!)).toBe(false);
  });
});

describe('mergeBases on partial histories', () => {
  it('ends the walk at a parent the repository does not have (a shallow pull)', async () => {
    const dag = await build('mergeThenBranch');
    // Cut the history below B: B's parent A is gone, as after `pull --depth`.
    rmSync(join(dag.repo.path, objectRelPath(dag.osgit.get('A')!, 'commit', dag.repo.mode)));
    const bases = await mergeBases(dag.repo, dag.osgit.get('F')!, dag.osgit.get('Z')!);
    expect(bases.map(dag.nameOf)).toEqual(['Y']);
    expect(await isAncestor(dag.repo, dag.osgit.get('B')!, dag.osgit.get('F')!)).toBe(true);
  });

  it('refuses a start commit the repository does not have (REV_INVALID)', async () => {
    const dag = await build('linear');
    const missing = 'ab'.repeat(32);
    const err = await mergeBases(dag.repo, dag.osgit.get('D')!, missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('REV_INVALID');
  });

  it('reads only the commits near the tips when the base is near them', async () => {
    const repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
    const tree = tmp.make('tree');
    let tip: string | null = null;
    for (let i = 0; i < 300; i++) {
      tip = await writeCommitObject(repo, tree, { parents: tip ? [tip] : [], subject: `c${i}`, timestamp: BigInt(1_700_000_000 + i) });
    }
    const left = await writeCommitObject(repo, tree, { parents: [tip!], subject: 'left', timestamp: 1_700_001_000n });
    const right = await writeCommitObject(repo, tree, { parents: [tip!], subject: 'right', timestamp: 1_700_001_001n });
    let reads = 0;
    const readCommit = repo.readCommit.bind(repo);
    repo.readCommit = async (c) => {
      reads++;
      return readCommit(c);
    };
    expect(await mergeBases(repo, left, right)).toEqual([tip]);
    expect(reads).toBeLessThan(10);
  });
});
