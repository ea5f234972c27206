// Every ref change is logged (old, new, time, reason) in <repo>/osgit/logs, newest first, and a
// log cut short by a crash is read without its torn line.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { commitFiles } from '../../../../test/helpers/store-fixtures.js';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool, runOk } from '../../../../test/helpers/tools.js';
import { Repo } from '../repo/repo.js';
import { Transaction } from '../repo/transaction.js';
import { StoreError } from '../errors.js';
import { updateRef } from './refs.js';
import { readReflog, reflogPath } from './reflog.js';

const OSTREE = requireTool('ostree');
const tmp = tempDirs('reflog');
afterAll(() => tmp.cleanup());

const main = { remote: null, name: 'main' };

async function repoWithTwoCommits(): Promise<{ repo: Repo; c1: string; c2: string }> {
  const repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
  const tree = tmp.make('tree');
  const c1 = await commitFiles(repo, tree, { a: '1' }, { branch: 'main', subject: 'one', timestamp: 1_700_000_000n });
  const c2 = await commitFiles(repo, tree, { a: '2' }, { branch: 'main', subject: 'two', timestamp: 1_700_000_100n });
  return { repo, c1, c2 };
}

describe('reflog', () => {
  it('records each commit of a branch, newest first, with its reason', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { repo, c1, c2 } = await repoWithTwoCommits();
    const log = await readReflog(repo, main);
    expect(log.map(({ old, new: nu, reason }) => ({ old, new: nu, reason }))).toEqual([
      { old: c1, new: c2, reason: 'commit: two' },
      { old: null, new: c1, reason: 'commit (initial): one' },
    ]);
    for (const e of log) expect(e.timestamp).toBeGreaterThanOrEqual(before);
    expect(reflogPath(repo, main)).toBe(`${repo.path}/osgit/logs/refs/heads/main`);
    const lines = readFileSync(reflogPath(repo, main), 'utf8').split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${'0'.repeat(64)} ${c1} \\d+ commit \\(initial\\): one$`));
  });

  it('logs ref moves made through a transaction and through updateRef, remote refs in their own folder', async () => {
    const { repo, c1, c2 } = await repoWithTwoCommits();
    const tx = await Transaction.begin(repo);
    await tx.commit({ refs: [{ ref: main, expected: c2, value: c1, reason: 'reset: moving to one' }] });
    const origin = { remote: 'origin', name: 'main' };
    await updateRef(repo, { ref: origin, expected: null, value: c2, reason: 'pull' });
    expect((await readReflog(repo, main))[0]).toMatchObject({ old: c2, new: c1, reason: 'reset: moving to one' });
    expect(await readReflog(repo, origin)).toMatchObject([{ old: null, new: c2, reason: 'pull' }]);
    expect(existsSync(`${repo.path}/osgit/logs/refs/remotes/origin/main`)).toBe(true);
  });

  it('logs nothing when the compare-and-swap fails', async () => {
    const { repo, c1 } = await repoWithTwoCommits();
    const err = await updateRef(repo, { ref: main, expected: c1, value: c1, reason: 'stale' }).catch((e: unknown) => e);
    expect((err as StoreError).code).toBe('REF_CONFLICT');
    expect(await readReflog(repo, main)).toHaveLength(2);
  });

  it('deletes the log with the ref, as git does', async () => {
    const { repo, c2 } = await repoWithTwoCommits();
    await updateRef(repo, { ref: main, expected: c2, value: null });
    expect(existsSync(reflogPath(repo, main))).toBe(false);
    expect(await readReflog(repo, main)).toEqual([]);
  });

  it('skips a torn last line (a crash mid-append) and appends after it on a line of its own', async () => {
    const { repo, c1, c2 } = await repoWithTwoCommits();
    appendFileSync(reflogPath(repo, main), `${c2} ${c1} 17000`);
    expect(await readReflog(repo, main)).toHaveLength(2);
    await updateRef(repo, { ref: main, expected: c2, value: c1, reason: 'after the crash' });
    const log = await readReflog(repo, main);
    expect(log.map((e) => e.reason)).toEqual(['after the crash', 'commit: two', 'commit (initial): one']);
  });

  it('reads an empty log for a ref that never moved, and refuses a bad ref name (REF_INVALID)', async () => {
    const { repo } = await repoWithTwoCommits();
    expect(await readReflog(repo, { remote: null, name: 'other' })).toEqual([]);
    const err = await readReflog(repo, { remote: null, name: '../x' }).catch((e: unknown) => e);
    expect((err as StoreError).code).toBe('REF_INVALID');
  });

  it.runIf(OSTREE)('is invisible to ostree: refs and fsck see only the branch', async () => {
    const { repo } = await repoWithTwoCommits();
    expect((await runOk(OSTREE!, ['refs', `--repo=${repo.path}`])).stdout.trim()).toBe('main');
    await runOk(OSTREE!, ['fsck', `--repo=${repo.path}`]);
  });
});
