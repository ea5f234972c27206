// Revisions over merge history (^N, ~N and their combinations) resolve as `git rev-parse` resolves
// them on the same history; ref@{N} walks the reflog; HEAD is the worktree's branch; a name that
// is not a branch is a tag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool, run } from '../../../../test/helpers/tools.js';
import { buildDag, DAGS, type BuiltDag } from '../../../../test/helpers/dag.js';
import { StoreError } from '../errors.js';
import { Repo } from '../repo/repo.js';
import { updateRef } from '../refs/refs.js';
import { revParse } from './rev-parse.js';

requireTool('git');
const tmp = tempDirs('revparse-history');
afterAll(() => tmp.cleanup());

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(StoreError);
  expect((e as StoreError).message).not.toContain('\n');
  return (e as StoreError).code;
}

const SUFFIXES = ['^', '^0', '^1', '^2', '^3', '^^', '~', '~0', '~1', '~2', '~3', '^2~1', '~1^2', '^2^', '^3~1', '~1^2~1'];

describe('revParse over merge history agrees with git rev-parse', () => {
  for (const shape of ['mergeThenBranch', 'octopus', 'crissCross'] as const) {
    it(`on the ${shape} history, for ^N and ~N from every commit`, async () => {
      const repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
      const dag = await buildDag(repo, tmp.path('git', 'git'), DAGS[shape]!);
      // One git process answers every revision: cat-file --batch-check prints "SHA commit SIZE" or "REV missing".
      const revs = [...dag.git.values()].flatMap((sha) => SUFFIXES.map((s) => `${sha}${s}`));
      const g = await run('git', ['--git-dir', dag.gitDir, 'cat-file', '--batch-check'], { input: `${revs.join('\n')}\n` });
      const answers = g.stdout.trim().split('\n');
      expect(answers).toHaveLength(revs.length);
      let i = 0;
      for (const [name, commit] of dag.osgit) {
        for (const suffix of SUFFIXES) {
          const [sha, type] = answers[i++]!.split(' ');
          const want = type === 'commit' ? dag.nameOf(sha!) : 'REV_INVALID';
          const got = await revParse(repo, `${commit}${suffix}`).then(dag.nameOf, async (e: unknown) => {
            if (e instanceof StoreError) return e.code;
            throw e;
          });
          expect({ rev: `${name}${suffix}`, got }).toEqual({ rev: `${name}${suffix}`, got: want });
        }
      }
    });
  }
});

describe('revParse: reflog, HEAD and tags', () => {
  let dag: BuiltDag;
  let repo: Repo;
  const id = (n: string) => dag.osgit.get(n)!;
  beforeAll(async () => {
    repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
    dag = await buildDag(repo, tmp.path('git', 'git'), DAGS.linear!);
    const main = { remote: null, name: 'main' };
    await updateRef(repo, { ref: main, expected: null, value: id('A') });
    await updateRef(repo, { ref: main, expected: id('A'), value: id('C') });
    await updateRef(repo, { ref: main, expected: id('C'), value: id('B') });
    await updateRef(repo, { ref: { remote: null, name: 'tags/v1' }, expected: null, value: id('A') });
  });

  it('resolves ref@{N} to the value N changes ago, @{0} being the current one', async () => {
    expect(dag.nameOf(await revParse(repo, 'main@{0}'))).toBe('B');
    expect(dag.nameOf(await revParse(repo, 'main@{1}'))).toBe('C');
    expect(dag.nameOf(await revParse(repo, 'main@{2}'))).toBe('A');
    expect(dag.nameOf(await revParse(repo, 'main@{1}~1'))).toBe('B');
    expect(dag.nameOf(await revParse(repo, 'main@{1}^^'))).toBe('A');
  });

  it('refuses @{N} past the start of the reflog, and on a checksum (REV_INVALID)', async () => {
    expect(await codeOf(revParse(repo, 'main@{3}'))).toBe('REV_INVALID');
    expect(await codeOf(revParse(repo, `${id('A')}@{1}`))).toBe('REV_INVALID');
    expect(await codeOf(revParse(repo, 'main@{x}'))).toBe('REV_INVALID');
  });

  it('resolves HEAD to the branch it names (in a worktree) and refuses it elsewhere', async () => {
    expect(dag.nameOf(await revParse(repo, 'HEAD', { head: 'main' }))).toBe('B');
    expect(dag.nameOf(await revParse(repo, 'HEAD~1', { head: 'main' }))).toBe('A');
    expect(dag.nameOf(await revParse(repo, 'HEAD@{1}', { head: 'main' }))).toBe('C');
    const e = await revParse(repo, 'HEAD').catch((err: unknown) => err as StoreError);
    expect(e).toBeInstanceOf(StoreError);
    expect((e as StoreError).code).toBe('REV_INVALID');
    expect((e as StoreError).message).toMatch(/worktree/);
    expect(await codeOf(revParse(repo, 'HEAD', { head: 'gone' }))).toBe('REV_INVALID');
  });

  it('resolves a tag by its short name when no branch has that name, and by tags/NAME', async () => {
    expect(dag.nameOf(await revParse(repo, 'v1'))).toBe('A');
    expect(dag.nameOf(await revParse(repo, 'tags/v1'))).toBe('A');
    await updateRef(repo, { ref: { remote: null, name: 'v1' }, expected: null, value: id('D') });
    expect(dag.nameOf(await revParse(repo, 'v1'))).toBe('D');
  });
});
