// Bisect through the store's API: start, marks, the log, the --checkout folder, run with a
// test in JS, and every refusal leaving the state as it was (or absent).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commitFiles } from '../../../../test/helpers/store-fixtures.js';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { StoreError, type StoreErrorCode } from '../errors.js';
import type { Checksum } from '../checksum.js';
import { Repo } from '../repo/repo.js';
import { bisectStart } from './bisect-start.js';
import { bisectMark } from './bisect-mark.js';
import { bisectLog } from './bisect-log.js';
import { bisectReset } from './bisect-reset.js';
import { bisectRun } from './bisect-run.js';
import { bisectDir } from './bisect-state.js';
import type { BisectStep } from './bisect-step.js';
import { writeCommitObject } from '../../../../test/helpers/dag.js';

const tmp = tempDirs('bisect');
afterAll(() => tmp.cleanup());

async function expectCode(p: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  const err = await p.then((v) => new Error(`resolved to ${JSON.stringify(v)}`), (e: unknown) => e);
  expect(err, `expected ${code}`).toBeInstanceOf(StoreError);
  expect((err as StoreError).code, (err as StoreError).message).toBe(code);
  return err as StoreError;
}

let repo: Repo;
/** main: c[0] (c1) <- ... <- c[11] (c12); marker.txt says BAD from c7 on. side: forks at c3. */
const c: Checksum[] = [];
let side: Checksum;
const FIRST_BAD = 6; // index of c7

beforeAll(async () => {
  repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'bare-user' });
  const src = tmp.make('src');
  for (let i = 0; i < 12; i++) {
    c.push(await commitFiles(repo, src, { 'marker.txt': i >= FIRST_BAD ? 'BAD\n' : 'ok\n', 'n.txt': `${i + 1}\n` }, {
      branch: 'main', subject: `c${i + 1}`, timestamp: 1700000000n + BigInt(i),
    }));
  }
  const sideSrc = tmp.make('side');
  side = await commitFiles(repo, sideSrc, { 'side.txt': 'x\n' }, { branch: 'side', subject: 'side', parent: c[2]!, timestamp: 1700000100n });
});

beforeEach(async () => {
  await bisectReset(repo);
});

const verdictFor = (commit: Checksum) => (c.indexOf(commit) >= FIRST_BAD ? 'bad' : 'good');

describe('bisect in the store', () => {
  it('finds the first bad commit by manual marks, and logs every step', async () => {
    let step: BisectStep = await bisectStart(repo, { bad: 'main', goods: [c[0]!] });
    const tested: Checksum[] = [];
    while (step.status === 'testing') {
      tested.push(step.commit);
      step = await bisectMark(repo, { verdict: verdictFor(step.commit) });
    }
    expect(step).toMatchObject({ status: 'found', commit: c[FIRST_BAD], subject: 'c7' });
    expect(tested.length).toBeLessThanOrEqual(4); // log2(11) rounded up
    const log = await bisectLog(repo);
    expect(log[0]).toBe(`# bad: [${c[11]}] c12`);
    expect(log[2]).toBe(`osgit bisect start ${c[11]} ${c[0]}`);
    expect(log.filter((l) => l.startsWith('osgit bisect ') && !l.startsWith('osgit bisect start'))).toEqual(
      tested.map((t) => `osgit bisect ${verdictFor(t)} ${t}`),
    );
    expect(log[log.length - 1]).toBe(`# first bad commit: [${c[FIRST_BAD]}] c7`);
  });

  it('marks a named revision, and a skip moves to another commit', async () => {
    const first = await bisectStart(repo, { bad: 'main', goods: ['main~11'] });
    expect(first.status).toBe('testing');
    const next = await bisectMark(repo, { verdict: 'skip' });
    expect(next.status === 'testing' && first.status === 'testing' && next.commit !== first.commit).toBe(true);
    const after = await bisectMark(repo, { verdict: 'good', rev: 'main~8' });
    expect(after.status).toBe('testing');
    expect((await bisectLog(repo)).slice(-2)).toEqual([`# good: [${c[3]}] c4`, `osgit bisect good ${c[3]}`]);
  });

  it('waits for a good commit when started with the bad one only', async () => {
    expect(await bisectStart(repo, { bad: 'main', goods: [] })).toEqual({ status: 'waiting', bad: c[11] });
    await expectCode(bisectMark(repo, { verdict: 'good' }), 'BISECT_STATE');
    expect((await bisectMark(repo, { verdict: 'good', rev: c[0]! })).status).toBe('testing');
  });

  it('keeps a plain checkout of the commit under test, and reset removes it', async () => {
    const dir = join(tmp.make('co'), 'under-test');
    let step = await bisectStart(repo, { bad: 'main', goods: [c[0]!], checkout: dir });
    while (step.status === 'testing') {
      expect(readFileSync(join(dir, 'n.txt'), 'utf8')).toBe(`${c.indexOf(step.commit) + 1}\n`);
      step = await bisectMark(repo, { verdict: verdictFor(step.commit) });
    }
    // The answer is left checked out.
    expect(readFileSync(join(dir, 'n.txt'), 'utf8')).toBe(`${FIRST_BAD + 1}\n`);
    expect(await bisectReset(repo)).toEqual({ reset: true, removedCheckout: dir });
    expect(existsSync(dir)).toBe(false);
  });

  it('runs a test in JS to the answer, on a fresh checkout for each commit', async () => {
    await bisectStart(repo, { bad: c[11]!, goods: [c[0]!] });
    const seen: string[] = [];
    const r = await bisectRun(repo, {
      test: async (path, commit) => {
        // Another bisect command meanwhile is refused, not interleaved.
        if (seen.length === 0) await expectCode(bisectMark(repo, { verdict: 'good', rev: c[0]! }), 'REPO_LOCKED');
        seen.push(path);
        expect(readFileSync(join(path, 'n.txt'), 'utf8')).toBe(`${c.indexOf(commit) + 1}\n`);
        return readFileSync(join(path, 'marker.txt'), 'utf8').includes('BAD') ? { code: 1, signal: null } : { code: 0, signal: null };
      },
    });
    expect(r.step).toMatchObject({ status: 'found', commit: c[FIRST_BAD] });
    expect(r.tested.map((t) => t.verdict)).toEqual(r.tested.map((t) => verdictFor(t.commit)));
    expect(seen.every((p) => p.startsWith(join(repo.path, 'tmp')) && !existsSync(p))).toBe(true);
  });

  it('stops a run on an exit code of 128 or more, keeping the marks made so far', async () => {
    await bisectStart(repo, { bad: 'main', goods: [c[0]!] });
    let calls = 0;
    const err = await expectCode(
      bisectRun(repo, { test: async () => (++calls === 1 ? { code: 0, signal: null } : { code: 128, signal: null }) }),
      'BISECT_STATE',
    );
    expect(err.data).toMatchObject({ reason: 'test-failed', exitCode: 128 });
    const log = await bisectLog(repo);
    expect(log.filter((l) => l.startsWith('osgit bisect good'))).toHaveLength(1);
  });
});

describe('bisect across a merge', () => {
  it('takes a good mark on one side of a merge and a bad one on the other', async () => {
    // m1 - m2 - m3 - M - t ; m1 - s1 - s2 - M (second parent). m3 is the first bad commit.
    const tree = tmp.make('merge-tree');
    const at = (n: number) => 1700001000n + BigInt(n);
    const m1 = await writeCommitObject(repo, tree, { parents: [], subject: 'm1', timestamp: at(1) });
    const m2 = await writeCommitObject(repo, tree, { parents: [m1], subject: 'm2', timestamp: at(2) });
    const s1 = await writeCommitObject(repo, tree, { parents: [m1], subject: 's1', timestamp: at(3) });
    const m3 = await writeCommitObject(repo, tree, { parents: [m2], subject: 'm3', timestamp: at(4) });
    const s2 = await writeCommitObject(repo, tree, { parents: [s1], subject: 's2', timestamp: at(5) });
    const merge = await writeCommitObject(repo, tree, { parents: [m3, s2], subject: 'M', timestamp: at(6) });
    const t = await writeCommitObject(repo, tree, { parents: [merge], subject: 't', timestamp: at(7) });
    const first = await bisectStart(repo, { bad: t, goods: [m1] });
    expect(first).toMatchObject({ status: 'testing', candidates: 7 - 1 });
    await bisectMark(repo, { verdict: 'good', rev: s2 });
    // m3 is not below the good s2: still a valid bad commit, above the good m1.
    const next = await bisectMark(repo, { verdict: 'bad', rev: m3 });
    expect(next).toMatchObject({ status: 'testing', commit: m2 });
    expect(await bisectMark(repo, { verdict: 'good' })).toMatchObject({ status: 'found', commit: m3 });
  });
});

describe('bisect refusals change nothing', () => {
  it('refuses marks, log and run before start', async () => {
    await expectCode(bisectMark(repo, { verdict: 'good', rev: 'main' }), 'BISECT_STATE');
    await expectCode(bisectLog(repo), 'BISECT_STATE');
    await expectCode(bisectRun(repo, { test: async () => 'good' }), 'BISECT_STATE');
    expect(existsSync(bisectDir(repo))).toBe(false);
    expect(await bisectReset(repo)).toEqual({ reset: false, removedCheckout: null });
    // In a repository that never bisected, the refusals leave no file behind.
    const fresh = await Repo.init(tmp.path('fresh', 'repo'), { mode: 'bare-user' });
    await expectCode(bisectMark(fresh, { verdict: 'bad' }), 'BISECT_STATE');
    await expectCode(bisectRun(fresh, { test: async () => 'good' }), 'BISECT_STATE');
    expect((await bisectReset(fresh)).reset).toBe(false);
    expect(existsSync(join(fresh.path, 'osgit'))).toBe(false);
  });

  it('refuses an unknown revision', async () => {
    await expectCode(bisectStart(repo, { bad: 'no-such-branch', goods: [c[0]!] }), 'REV_INVALID');
    await expectCode(bisectStart(repo, { bad: 'main', goods: ['nope'] }), 'REV_INVALID');
    expect(existsSync(bisectDir(repo))).toBe(false);
  });

  it('refuses a good commit outside the bad one\'s history, at start and as a mark', async () => {
    const err = await expectCode(bisectStart(repo, { bad: 'main', goods: [side] }), 'BISECT_STATE');
    expect(err.data).toMatchObject({ reason: 'good-not-ancestor', goods: [side] });
    expect(existsSync(bisectDir(repo))).toBe(false);
    await expectCode(bisectStart(repo, { bad: 'main', goods: ['main'] }), 'BISECT_STATE');

    await bisectStart(repo, { bad: 'main', goods: [c[0]!] });
    const before = await bisectLog(repo);
    await expectCode(bisectMark(repo, { verdict: 'good', rev: 'side' }), 'BISECT_STATE');
    // a bad commit below a good one, and one above no good one
    await bisectMark(repo, { verdict: 'good', rev: c[3]! });
    expect((await expectCode(bisectMark(repo, { verdict: 'bad', rev: c[1]! }), 'BISECT_STATE')).data).toMatchObject({ reason: 'bad-below-good' });
    expect((await bisectLog(repo)).length).toBe(before.length + 2);
    await bisectReset(repo);
    await bisectStart(repo, { bad: 'main', goods: [c[4]!] }); // side forks below c5
    const started = await bisectLog(repo);
    expect((await expectCode(bisectMark(repo, { verdict: 'bad', rev: 'side' }), 'BISECT_STATE')).data).toMatchObject({ reason: 'good-not-ancestor' });
    expect(await bisectLog(repo)).toEqual(started);
  });

  it('refuses a second start, and a checkout folder that exists', async () => {
    await bisectStart(repo, { bad: 'main', goods: [c[0]!] });
    await expectCode(bisectStart(repo, { bad: 'main', goods: [c[1]!] }), 'BISECT_STATE');
    await bisectReset(repo);
    await expectCode(bisectStart(repo, { bad: 'main', goods: [c[0]!], checkout: tmp.make('exists') }), 'CHECKOUT_EXISTS');
    expect(existsSync(bisectDir(repo))).toBe(false);
  });

  it('reports a damaged state file, which reset removes', async () => {
    await bisectStart(repo, { bad: 'main', goods: [c[0]!] });
    writeFileSync(join(bisectDir(repo), 'state.json'), '{"version": 1, "bad": ');
    await expectCode(bisectLog(repo), 'BISECT_STATE');
    await expectCode(bisectMark(repo, { verdict: 'good' }), 'BISECT_STATE');
    expect((await bisectReset(repo)).reset).toBe(true);
    expect(existsSync(bisectDir(repo))).toBe(false);
  });
});
