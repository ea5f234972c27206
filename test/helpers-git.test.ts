// Sanity checks of test/helpers/git.ts, the git oracle of the history tests: it builds exactly
// the trees and histories it is given, reproducibly, and reads git's answers back correctly.
// Expected ids come from git itself (well-known blob ids, or the same history built twice).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GIT,
  git,
  gitCommitTree,
  gitIsAncestor,
  gitLsTree,
  gitMergeBases,
  gitMergeTree,
  gitRevParse,
  gitShowFile,
  initGitRepo,
  writeFiles,
} from './helpers/git.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('git-helper');
afterAll(() => tmp.cleanup());

// `printf 'hello\n' | git hash-object --stdin`: the best-known blob id there is.
const HELLO_BLOB = 'ce013625030ba8dba906f756967f9e9ca394464a';

describe.skipIf(!GIT)('git test helpers', () => {
  it('initGitRepo makes a repository with a local identity on branch main', async () => {
    const dir = join(tmp.make('init'), 'repo');
    await initGitRepo(dir);
    expect((await git(dir, 'config', 'user.email')).trim()).toBe('tests@osgit.invalid');
    expect((await git(dir, 'symbolic-ref', 'HEAD')).trim()).toBe('refs/heads/main');
  });

  it('gitCommitTree commits exactly the files given, with modes and symlinks, and moves the branch', async () => {
    const dir = tmp.make('tree');
    await initGitRepo(dir);
    const commit = await gitCommitTree(
      dir,
      {
        'etc/motd': 'hello\n',
        'usr/bin/tool': { content: '#!/bin/sh\n', mode: 0o755 },
        'usr/lib/link': { symlink: '../bin/tool' },
      },
      { message: 'first', date: 1_600_000_000, branch: 'main' },
    );
    expect(await gitRevParse(dir, 'main')).toBe(commit);
    const entries = await gitLsTree(dir, commit);
    expect([...entries.keys()].sort()).toEqual(['etc/motd', 'usr/bin/tool', 'usr/lib/link']);
    expect(entries.get('etc/motd')).toEqual({ mode: '100644', type: 'blob', id: HELLO_BLOB });
    expect(entries.get('usr/bin/tool')?.mode).toBe('100755');
    expect(entries.get('usr/lib/link')?.mode).toBe('120000');
    expect(await gitShowFile(dir, commit, 'usr/lib/link')).toBe('../bin/tool');
    expect((await git(dir, 'log', '-1', '--format=%at %ct %s', commit)).trim()).toBe('1600000000 1600000000 first');
    // The repository's index and work tree are untouched (still empty).
    expect(await git(dir, 'ls-files')).toBe('');
    expect(await readdir(dir)).toEqual(['.git']);
  });

  it('the same history built twice has the same commit ids', async () => {
    const build = async () => {
      const dir = tmp.make('twice');
      await initGitRepo(dir);
      const a = await gitCommitTree(dir, { f: 'a\n' }, { message: 'a', date: 1 });
      return gitCommitTree(dir, { f: 'b\n' }, { message: 'b', date: 2, parents: [a] });
    };
    expect(await build()).toBe(await build());
  });

  it('a folder commits to the same tree as the same files given as a map', async () => {
    const dir = tmp.make('folder');
    await initGitRepo(dir);
    const files = { 'a/b.txt': 'b\n', 'c.sh': { content: 'echo\n', mode: 0o755 } };
    const folder = tmp.make('folder-src');
    await writeFiles(folder, files);
    const fromMap = await gitCommitTree(dir, files, { message: 'm' });
    const fromFolder = await gitCommitTree(dir, folder, { message: 'm' });
    expect(fromFolder).toBe(fromMap);
  });

  it('refuses a path that climbs out of the tree', async () => {
    const dir = tmp.make('bad');
    await initGitRepo(dir);
    await expect(gitCommitTree(dir, { '../evil': 'x' }, { message: 'm' })).rejects.toThrow(/bad path/);
  });

  it('git rejects with stderr when git fails', async () => {
    const dir = tmp.make('fail');
    await initGitRepo(dir);
    await expect(git(dir, 'rev-parse', '--verify', 'no-such-branch')).rejects.toThrow(/exit 128[\s\S]*--- stderr ---/);
  });

  it('reads merge bases, ancestry and merge-tree conflicts back from git', async () => {
    const dir = tmp.make('merge');
    await initGitRepo(dir);
    const base = await gitCommitTree(dir, { 'x.txt': '1\n2\n3\n', 'y.txt': 'y\n' }, { message: 'base', date: 10 });
    const ours = await gitCommitTree(dir, { 'x.txt': 'one\n2\n3\n', 'y.txt': 'ours\n' }, { message: 'ours', date: 20, parents: [base] });
    const theirs = await gitCommitTree(dir, { 'x.txt': '1\n2\nthree\n', 'y.txt': 'theirs\n' }, { message: 'theirs', date: 30, parents: [base] });
    const other = await gitCommitTree(dir, { 'z.txt': 'z\n' }, { message: 'unrelated', date: 40 });
    expect(await gitMergeBases(dir, ours, theirs)).toEqual([base]);
    expect(await gitMergeBases(dir, ours, other)).toEqual([]);
    expect(await gitIsAncestor(dir, base, ours)).toBe(true);
    expect(await gitIsAncestor(dir, ours, theirs)).toBe(false);
    expect(await gitIsAncestor(dir, ours, ours)).toBe(true);
    const merged = await gitMergeTree(dir, ours, theirs);
    expect(merged.clean).toBe(false);
    expect(merged.conflicts).toEqual(['y.txt']);
    // x.txt merged line by line; y.txt carries conflict markers.
    expect(await gitShowFile(dir, merged.tree, 'x.txt')).toBe('one\n2\nthree\n');
    expect(await gitShowFile(dir, merged.tree, 'y.txt')).toMatch(/^<<<<<<< [^\n]*\nours\n=======\ntheirs\n>>>>>>> /);
  });

  it('the work tree commit of a checked-out branch is what gitCommitTree made', async () => {
    const dir = tmp.make('checkout');
    await initGitRepo(dir);
    await gitCommitTree(dir, { 'f.txt': 'hello\n' }, { message: 'm', branch: 'main' });
    await git(dir, 'checkout', '-q', 'main');
    expect(await readFile(join(dir, 'f.txt'), 'utf8')).toBe('hello\n');
    await mkdir(join(dir, 'd'));
    await writeFile(join(dir, 'd', 'new'), 'n\n');
    expect((await git(dir, 'status', '--porcelain')).trim()).toBe('?? d/');
  });
});
