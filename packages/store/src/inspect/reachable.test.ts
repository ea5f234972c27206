// reachableObjects over histories with merges (test/helpers/dag.ts builds each in git and in
// osgit): the commits listed down to `depth` are those within that many parent steps over EVERY
// parent, the shortest distance, computed here from git's own parent lists (`git rev-list
// --parents`); each commit once, each with its tree; `haves` still end history at themselves.
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool } from '../../../../test/helpers/tools.js';
import { buildDag, DAGS, git, type BuiltDag } from '../../../../test/helpers/dag.js';
import { Repo } from '../repo/repo.js';
import { StoreError } from '../errors.js';
import { reachableObjects, type ReachableOptions } from './reachable.js';
import { MERGE_PARENTS_KEY } from '../history/commit-parents.js';
import { encodeCommit } from '../objects/commit.js';
import { sha256Hex } from '../checksum.js';
import { Transaction } from '../repo/transaction.js';

requireTool('git');
const tmp = tempDirs('reachable');
afterAll(() => tmp.cleanup());

async function build(shape: keyof typeof DAGS): Promise<BuiltDag> {
  const repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
  return buildDag(repo, tmp.path('git', 'git'), DAGS[shape]!);
}

/** Every node's parents, as git lists them (`git rev-list --parents` of every node). */
async function gitParents(dag: BuiltDag): Promise<Map<string, string[]>> {
  const parents = new Map<string, string[]>();
  for (const line of (await git(dag.gitDir, ['rev-list', '--parents', ...dag.git.values()])).stdout.trim().split('\n')) {
    const [c, ...ps] = line.split(' ');
    parents.set(dag.nameOf(c!), ps.map(dag.nameOf));
  }
  return parents;
}

/** Node names within `depth` parent steps of `tip` (-1: all), by breadth-first search over git's parent lists. */
function within(parents: Map<string, string[]>, tip: string, depth: number): string[] {
  const dist = new Map([[tip, 0]]);
  const queue = [tip];
  for (const at of queue) {
    if (depth >= 0 && dist.get(at)! >= depth) continue;
    for (const p of parents.get(at)!) if (!dist.has(p)) (dist.set(p, dist.get(at)! + 1), queue.push(p));
  }
  return [...dist.keys()].sort();
}

async function list(dag: BuiltDag, wants: string[], opts: ReachableOptions): Promise<{ commits: string[]; files: number; all: string[] }> {
  const all: string[] = [];
  for await (const o of reachableObjects(dag.repo, wants.map((w) => dag.osgit.get(w)!), opts)) all.push(`${o.type}:${o.checksum}`);
  const commits = all.filter((k) => k.startsWith('commit:')).map((k) => dag.nameOf(k.slice(7)));
  return { commits, files: all.filter((k) => k.startsWith('file:')).length, all };
}

describe('reachableObjects follows every parent', () => {
  for (const shape of ['mergeThenBranch', 'crissCross', 'octopus', 'unrelated'] as const) {
    it(`on the ${shape} history: every commit within depth over all parents, once, with its tree`, async () => {
      const dag = await build(shape);
      const parents = await gitParents(dag);
      for (const name of dag.osgit.keys()) {
        for (const depth of [0, 1, 2, -1]) {
          const got = await list(dag, [name], { depth });
          expect(got.commits.slice().sort(), `${name} depth ${depth}`).toEqual(within(parents, name, depth));
          expect(new Set(got.all).size).toBe(got.all.length);
          // Each node's tree is one file of its own: one file object per commit listed.
          expect(got.files).toBe(got.commits.length);
        }
      }
    });
  }

  it('lists breadth-first: a merge, then all its parents, then theirs', async () => {
    const dag = await build('octopus');
    const got = await list(dag, ['O'], { depth: -1, commitMetadataOnly: true });
    expect(got.commits[0]).toBe('O');
    expect(got.commits.slice(1, 4).sort()).toEqual(['B1', 'B2', 'B3']);
    expect(got.commits[4]).toBe('A');
  });

  it('a have ends the history at itself on every side of a merge (mergeThenBranch: M(C,Y), Y-X-B)', async () => {
    const dag = await build('mergeThenBranch');
    // Y is a have: neither it nor X (reached only through it) is listed; B still is, through C.
    expect((await list(dag, ['M'], { depth: -1, haves: [dag.osgit.get('Y')!] })).commits.sort()).toEqual(['A', 'B', 'C', 'M']);
    const withHaves = await list(dag, ['M'], { depth: -1, haves: [dag.osgit.get('Y')!, dag.osgit.get('C')!] });
    expect(withHaves.commits).toEqual(['M']);
    // The haves' trees hold Y.txt, X.txt, B.txt, ... : only M's own file is listed.
    expect(withHaves.files).toBe(1);
  });

  it('a merge parent missing here ends that line (shallow history); a malformed merge-parents is OBJECT_CORRUPT', async () => {
    const dag = await build('mergeThenBranch');
    const tx = await Transaction.begin(dag.repo);
    const absent = 'ab'.repeat(32);
    const c = dag.repo.readCommitSync(dag.osgit.get('E')!);
    const shallow = encodeCommit({ ...c, subject: 'shallow', metadata: [[MERGE_PARENTS_KEY, { type: 'as', value: [absent] }]] });
    const bad = encodeCommit({ ...c, subject: 'bad', metadata: [[MERGE_PARENTS_KEY, { type: 's', value: 'nope' }]] });
    tx.writeMetadataSync(sha256Hex(shallow), 'commit', shallow);
    tx.writeMetadataSync(sha256Hex(bad), 'commit', bad);
    await tx.commit();
    const listed: string[] = [];
    for await (const o of reachableObjects(dag.repo, [sha256Hex(shallow)], { depth: -1, commitMetadataOnly: true })) listed.push(o.checksum);
    expect(listed.map(dag.nameOf).slice(1).sort()).toEqual(['A', 'B', 'C', 'M', 'X', 'Y']);
    const walk = async () => {
      for await (const _ of reachableObjects(dag.repo, [sha256Hex(bad)], { depth: 1 })) void _;
    };
    await expect(walk()).rejects.toSatisfy((e) => e instanceof StoreError && e.code === 'OBJECT_CORRUPT');
  });
});

