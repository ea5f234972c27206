// Moving a worktree between commits: switch (carrying local changes that do not conflict),
// reset --soft/--hard, and diff of a revision against the files. Only differing paths are
// rewritten: an unchanged file keeps its inode.
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import type { Checksum } from '../checksum.js';
import { Repo } from '../repo/repo.js';
import { commitTree } from '../commit/commit-tree.js';
import { readRef } from '../refs/refs.js';
import { readReflog } from '../refs/reflog.js';
import { StoreError } from '../errors.js';
import { addWorktree } from './add.js';
import { switchBranch } from './switch.js';
import { resetBranch, resetWorktree } from './reset.js';
import type { Worktree } from './worktree.js';

const tmp = tempDirs('wt-switch');
afterAll(() => tmp.cleanup());

function write(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}
const read = (root: string, rel: string): string => readFileSync(join(root, rel), 'utf8');

async function errorOf(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

let repo: Repo;
let main1: Checksum;
let main2: Checksum;
let stable: Checksum;
let wt: Worktree;

beforeEach(async () => {
  repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
  const src = tmp.make('src');
  chmodSync(src, 0o755);
  write(src, 'etc/motd', 'hello\n');
  write(src, 'etc/shared', 'same in both\n');
  write(src, 'usr/lib/a', 'a1\n');
  main1 = (await commitTree(repo, { tree: src, branch: 'main', timestamp: 1700000000n })).commit;
  write(src, 'usr/lib/a', 'a2\n');
  write(src, 'usr/lib/new', 'new\n');
  main2 = (await commitTree(repo, { tree: src, branch: 'main', timestamp: 1700000100n })).commit;
  write(src, 'etc/motd', 'stable motd\n');
  rmSync(join(src, 'usr/lib'), { recursive: true });
  stable = (await commitTree(repo, { tree: src, branch: 'stable', timestamp: 1700000200n, orphan: false, parent: main1 })).commit;
  wt = await addWorktree(repo, { dir: tmp.path('wt'), branch: 'main' });
});

describe('switch', () => {
  it('rewrites only the paths that differ and carries a change to a path both branches share', async () => {
    const sharedIno = lstatSync(join(wt.path, 'etc/shared')).ino;
    write(wt.path, 'etc/shared', 'my local edit\n');
    const r = await switchBranch(wt, 'stable');
    expect(r.head).toBe(stable);
    expect(wt.branch).toBe('stable');
    expect(read(wt.path, 'etc/motd')).toBe('stable motd\n');
    expect(lstatSync(join(wt.path, 'usr/lib'), { throwIfNoEntry: false })).toBeUndefined();
    expect(read(wt.path, 'etc/shared')).toBe('my local edit\n');
    expect(lstatSync(join(wt.path, 'etc/shared')).ino).toBe(sharedIno); // not rewritten
    expect((await wt.status()).entries).toEqual([{ path: '/etc/shared', type: 'file', changes: ['modified'] }]);
  });

  it('refuses a switch that would overwrite local changes, naming them, and loses nothing', async () => {
    write(wt.path, 'etc/motd', 'my motd\n');
    write(wt.path, 'usr/lib/untracked', 'mine\n');
    const err = await errorOf(switchBranch(wt, 'stable'));
    expect(err.code).toBe('LOCAL_CHANGES');
    expect(err.data.paths).toEqual(['/etc/motd', '/usr/lib/untracked']);
    expect(read(wt.path, 'etc/motd')).toBe('my motd\n');
    expect(read(wt.path, 'usr/lib/untracked')).toBe('mine\n');
    expect(read(wt.path, 'usr/lib/a')).toBe('a2\n');
    expect([wt.branch, wt.head]).toEqual(['main', main2]);
    // -c refused the same way creates no branch
    expect((await errorOf(switchBranch(wt, 'topic', { create: true, start: stable }))).code).toBe('LOCAL_CHANGES');
    expect(await readRef(repo, { remote: null, name: 'topic' })).toBeNull();
  });

  it('creates a branch with -c, and refuses a branch another worktree has', async () => {
    const r = await switchBranch(wt, 'topic', { create: true });
    expect([r.created, wt.branch, await readRef(repo, { remote: null, name: 'topic' })]).toEqual([true, 'topic', main2]);
    await addWorktree(repo, { dir: tmp.path('other'), branch: 'stable' });
    expect((await errorOf(switchBranch(wt, 'stable'))).code).toBe('WORKTREE_EXISTS');
  });
});

describe('reset', () => {
  it('--hard moves the branch and rewrites the differing files, discarding local changes', async () => {
    write(wt.path, 'etc/motd', 'local\n');
    write(wt.path, 'tmpfile', 'x');
    const r = await resetWorktree(wt, main1, { mode: 'hard', rev: 'main^' });
    expect([r.from, r.to]).toEqual([main2, main1]);
    expect(await readRef(repo, { remote: null, name: 'main' })).toBe(main1);
    expect(read(wt.path, 'usr/lib/a')).toBe('a1\n');
    expect(read(wt.path, 'etc/motd')).toBe('hello\n');
    expect(lstatSync(join(wt.path, 'usr/lib/new'), { throwIfNoEntry: false })).toBeUndefined();
    expect(lstatSync(join(wt.path, 'tmpfile'), { throwIfNoEntry: false })).toBeUndefined();
    expect((await wt.status()).clean).toBe(true);
    const log = await readReflog(repo, { remote: null, name: 'main' });
    expect(log[0]!.reason).toBe('reset: moving to main^');
  });

  it('--soft keeps the files: status shows how they differ from the new head', async () => {
    await resetWorktree(wt, main1, { mode: 'soft' });
    expect(wt.head).toBe(main1);
    expect(read(wt.path, 'usr/lib/a')).toBe('a2\n');
    expect((await wt.status()).entries).toEqual([
      { path: '/usr/lib/a', type: 'file', changes: ['modified'] },
      { path: '/usr/lib/new', type: 'file', changes: ['added'] },
    ]);
  });

  it('--branch outside a worktree refuses a branch a worktree uses unless forced', async () => {
    expect((await errorOf(resetBranch(repo, 'main', main1))).code).toBe('WORKTREE_EXISTS');
    await resetBranch(repo, 'stable', main1);
    expect(await readRef(repo, { remote: null, name: 'stable' })).toBe(main1);
    await resetBranch(repo, 'main', main1, { force: true });
    expect((await errorOf(wt.commit({ subject: 'x', allowEmpty: true }))).code).toBe('REF_CONFLICT');
  });
});

describe('diff against the worktree', () => {
  it('lists a revision against the files with the change kinds of status', async () => {
    write(wt.path, 'etc/motd', 'edited\n');
    expect(await wt.diffAgainst(stable)).toEqual([
      { path: '/etc/motd', type: 'file', changes: ['modified'] },
      { path: '/usr/lib', type: 'dir', changes: ['added'] },
    ]);
    expect(await wt.diffAgainst(main1)).toEqual([
      { path: '/etc/motd', type: 'file', changes: ['modified'] },
      { path: '/usr/lib/a', type: 'file', changes: ['modified'] },
      { path: '/usr/lib/new', type: 'file', changes: ['added'] },
    ]);
  });
});
