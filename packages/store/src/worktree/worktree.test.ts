// Worktrees: an editable copy of a branch whose status and commits rest on a stat cache. The
// oracle for commits is `ostree commit` of the same folder without the marker.
import { chmodSync, chownSync, cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { isRoot, requireTool, run } from '../../../../test/helpers/tools.js';
import type { Checksum } from '../checksum.js';
import { Repo } from '../repo/repo.js';
import { commitTree } from '../commit/commit-tree.js';
import { readRef, updateRef } from '../refs/refs.js';
import { writeXattr } from '../fsio/xattr-io.js';
import { StoreError } from '../errors.js';
import { addWorktree } from './add.js';
import { findWorktree } from './find.js';
import { listWorktrees } from './list.js';
import { pruneWorktrees, removeWorktree } from './remove.js';
import { StatCache, cachePath } from './stat-cache.js';
import type { Worktree } from './worktree.js';

const OSTREE = requireTool('ostree');
const tmp = tempDirs('worktree');
afterAll(() => tmp.cleanup());

function write(root: string, rel: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text, { mode });
  chmodSync(join(root, rel), mode);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StoreError) return err.code;
    throw err;
  }
  return 'no error';
}

let repo: Repo;
let base: Checksum;

async function setup(mode: 'archive' | 'bare-user' = 'bare-user'): Promise<void> {
  repo = await Repo.init(tmp.path('repo', 'repo'), { mode });
  const src = tmp.make('src');
  chmodSync(src, 0o755);
  write(src, 'etc/motd', 'hello\n');
  write(src, 'etc/hostname', 'box\n');
  write(src, 'usr/bin/tool', '#!/bin/sh\necho tool\n', 0o755);
  write(src, 'usr/share/doc/readme', 'read me\n');
  symlinkSync('../etc/motd', join(src, 'usr/motd-link'));
  base = (await commitTree(repo, { tree: src, branch: 'main', subject: 'base', timestamp: 1700000000n })).commit;
}

const changesOf = (s: { entries: Array<{ path: string; changes: string[] }> }): Record<string, string[]> =>
  Object.fromEntries(s.entries.map((e) => [e.path, e.changes]));

describe('worktree add', () => {
  beforeEach(() => setup('bare-user'));

  it('copies the files out of a bare-user repo: no file shares an inode with an object', async () => {
    const wt = await addWorktree(repo, { dir: tmp.path('wt') });
    expect(wt.branch).toBe('main');
    expect(wt.head).toBe(base);
    const objectInodes = new Set<number>();
    const walk = (d: string, each: (p: string) => void): void => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (lstatSync(p).isDirectory()) walk(p, each);
        else each(p);
      }
    };
    walk(join(repo.path, 'objects'), (p) => objectInodes.add(lstatSync(p).ino));
    let files = 0;
    walk(wt.path, (p) => {
      const st = lstatSync(p);
      if (st.isFile()) {
        files++;
        expect(st.nlink).toBe(1);
        expect(objectInodes.has(st.ino)).toBe(false);
      }
    });
    expect(files).toBe(5); // 4 files + the marker
    expect(JSON.parse(readFileSync(join(wt.path, '.osgit-worktree'), 'utf8'))).toEqual({ repo: repo.path, id: wt.id });
  });

  it('refuses a folder that exists and is not empty, and registers nothing', async () => {
    const dir = tmp.make('full');
    writeFileSync(join(dir, 'x'), 'x');
    expect(await codeOf(addWorktree(repo, { dir }))).toBe('CHECKOUT_EXISTS');
    expect(await listWorktrees(repo)).toEqual([]);
  });

  it('accepts an empty folder', async () => {
    const wt = await addWorktree(repo, { dir: tmp.make('empty') });
    expect((await wt.status()).clean).toBe(true);
  });

  it('allows one worktree per branch (WORKTREE_EXISTS), and -b makes a new branch at a start commit', async () => {
    await addWorktree(repo, { dir: tmp.path('one') });
    expect(await codeOf(addWorktree(repo, { dir: tmp.path('two'), branch: 'main' }))).toBe('WORKTREE_EXISTS');
    const other = await addWorktree(repo, { dir: tmp.path('three'), newBranch: 'feature', start: base });
    expect(other.branch).toBe('feature');
    expect(await readRef(repo, { remote: null, name: 'feature' })).toBe(base);
    expect(await codeOf(addWorktree(repo, { dir: tmp.path('four'), newBranch: 'feature', start: base }))).toBe('WORKTREE_EXISTS');
  });

  it('needs a branch name when the repository has several', async () => {
    await updateRef(repo, { ref: { remote: null, name: 'other' }, expected: null, value: base });
    expect(await codeOf(addWorktree(repo, { dir: tmp.path('x') }))).toBe('INVALID_ARGUMENT');
  });

  it('lists, removes (refusing uncommitted changes unless forced) and prunes', async () => {
    const a = await addWorktree(repo, { dir: tmp.path('a') });
    await updateRef(repo, { ref: { remote: null, name: 'b' }, expected: null, value: base });
    const b = await addWorktree(repo, { dir: tmp.path('b'), branch: 'b' });
    write(a.path, 'etc/motd', 'edited\n');
    expect(await codeOf(removeWorktree(repo, a.path))).toBe('LOCAL_CHANGES');
    expect(lstatSync(a.path).isDirectory()).toBe(true);
    await removeWorktree(repo, a.path, { force: true });
    expect(lstatSync(a.path, { throwIfNoEntry: false })).toBeUndefined();
    rmSync(b.path, { recursive: true });
    const listed = await listWorktrees(repo);
    expect(listed.map((w) => [w.branch, w.present])).toEqual([['b', false]]);
    expect(pruneWorktrees(repo).map((w) => w.branch)).toEqual(['b']);
    expect(await listWorktrees(repo)).toEqual([]);
  });
});

describe('worktree status', () => {
  let wt: Worktree;
  beforeEach(async () => {
    await setup('archive');
    wt = await addWorktree(repo, { dir: tmp.path('wt') });
  });

  it('is clean after add, and a second status reads no file', async () => {
    expect((await wt.status()).clean).toBe(true);
    await wt.status();
    expect(wt.lastScan).toEqual({ paths: 11, hashed: 0 }); // 6 folders (the root too) and 5 entries, not the marker
  });

  it('names every kind of change, a path with several flags, and never the marker', async () => {
    write(wt.path, 'etc/motd', 'changed\n');
    write(wt.path, 'etc/new', 'new\n');
    rmSync(join(wt.path, 'etc/hostname'));
    chmodSync(join(wt.path, 'usr/bin/tool'), 0o700);
    rmSync(join(wt.path, 'usr/motd-link'));
    writeFileSync(join(wt.path, 'usr/motd-link'), 'now a file');
    rmSync(join(wt.path, 'usr/share/doc'), { recursive: true });
    write(wt.path, 'usr/share/doc', 'a file where a folder was');
    mkdirSync(join(wt.path, 'opt/x'), { recursive: true });
    write(wt.path, 'opt/x/y', 'y');
    writeXattr(join(wt.path, 'etc'), 'user.label', Buffer.from('v'));
    if (isRoot) chownSync(join(wt.path, 'etc/motd'), 1000, 1000);
    const s = await wt.status();
    expect(changesOf(s)).toEqual({
      '/etc': ['xattrs-changed'],
      '/etc/hostname': ['removed'],
      '/etc/motd': isRoot ? ['modified', 'owner-changed'] : ['modified'],
      '/etc/new': ['added'],
      '/opt': ['added'],
      '/usr/bin/tool': ['mode-changed'],
      '/usr/motd-link': ['type-changed'],
      '/usr/share/doc': ['type-changed'],
    });
    expect(s.entries.find((e) => e.path === '/usr/motd-link')!.type).toBe('file');
  });

  it('sees a same-size change made within the same second (racily clean entries are read again)', async () => {
    const f = join(wt.path, 'etc/motd');
    const before = lstatSync(f);
    writeFileSync(f, 'HELLO\n'); // same size
    utimesSync(f, before.atime, before.mtime); // and the same mtime, as within one clock tick
    expect(changesOf(await wt.status())).toEqual({ '/etc/motd': ['modified'] });
  });

  it('does not trust a stamp that is not older than the cache file (racy-git rule)', async () => {
    await wt.status();
    const f = join(wt.path, 'etc/motd');
    const st = lstatSync(f);
    // A cache written well after the file changed is trusted (set, not waited for: on a quick
    // machine the checkout, the file and the cache can all fall in one tick).
    utimesSync(cachePath(wt.stateDir), st.atime, new Date(Math.floor(st.ctimeMs) + 10_000));
    const cache = StatCache.load(wt.stateDir)!;
    expect(cache.matches(cache.find('etc/motd'), st)).toBe(true);
    // The cache written in the very tick the file was last changed: its stamp proves nothing.
    utimesSync(cachePath(wt.stateDir), st.atime, new Date(Math.floor(st.ctimeMs)));
    const racy = StatCache.load(wt.stateDir)!;
    expect(racy.matches(racy.find('etc/motd'), st)).toBe(false);
  });

  it('says when the branch was deleted, and how to recover', async () => {
    await updateRef(repo, { ref: { remote: null, name: 'main' }, expected: base, value: null });
    const err = await wt.status().catch((e: StoreError) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('WORKTREE_BRANCH_GONE');
    expect((err as StoreError).message).toContain(`osgit branch main ${base}`);
    expect(await codeOf(wt.commit({ subject: 'x' }))).toBe('WORKTREE_BRANCH_GONE');
  });
});

describe('worktree commit', () => {
  let wt: Worktree;
  beforeEach(async () => {
    await setup('bare-user');
    wt = await addWorktree(repo, { dir: tmp.path('wt') });
  });

  it.runIf(OSTREE)('gives the checksum ostree commit gives for the same folder without the marker', async () => {
    write(wt.path, 'etc/motd', 'changed\n');
    write(wt.path, 'var/lib/new', 'new\n');
    symlinkSync('/etc/shadow', join(wt.path, 'etc/outside')); // committed as a symlink, never followed
    chmodSync(join(wt.path, 'usr/bin/tool'), 0o750);
    // The oracle: a copy of the repository before the commit, and of the folder without the marker.
    const oracleRepo = tmp.path('oracle');
    cpSync(repo.path, oracleRepo, { recursive: true });
    const copy = tmp.path('copy');
    cpSync(wt.path, copy, { recursive: true, verbatimSymlinks: true });
    rmSync(join(copy, '.osgit-worktree'));
    const r = await wt.commit({ subject: 'edit', body: 'more', timestamp: 1700000100n, metadataStrings: [['version', '2']] });
    const o = await run(OSTREE!, ['commit', `--repo=${oracleRepo}`, '-b', 'main', '-s', 'edit', '-m', 'more', '--timestamp=@1700000100', '--add-metadata-string=version=2', copy]);
    expect(o.code, o.stderr).toBe(0);
    expect(r.commit).toBe(o.stdout.trim());
    expect(r.parent).toBe(base);
    expect(await readRef(repo, { remote: null, name: 'main' })).toBe(r.commit);
    expect(wt.head).toBe(r.commit);
    expect((await wt.status()).clean).toBe(true);
    const ls = await run(OSTREE!, ['ls', `--repo=${repo.path}`, 'main', '/etc/outside']);
    expect(ls.stdout).toContain('-> /etc/shadow');
  });

  it('reads only the changed files', async () => {
    // Files written in the clock tick the cache was saved in are read again once (racy-git
    // rule): let the clock move on, and let a status save a cache that vouches for them.
    await new Promise((r) => setTimeout(r, 50));
    await wt.status();
    write(wt.path, 'etc/motd', 'changed!\n');
    const r = await wt.commit({ subject: 'one file', timestamp: 1700000100n });
    expect(r.stats.bytesRead).toBe('changed!\n'.length);
    write(wt.path, 'etc/hostname', 'other\n');
    const r2 = await wt.commit({ subject: 'another', timestamp: 1700000200n });
    expect(r2.stats.bytesRead).toBe('other\n'.length);
    expect(r2.parent).toBe(r.commit);
    // The trees it kept without re-encoding are the trees a full commit of the folder makes.
    const copy = tmp.path('copy');
    cpSync(wt.path, copy, { recursive: true, verbatimSymlinks: true });
    rmSync(join(copy, '.osgit-worktree'));
    const full = await commitTree(repo, { tree: copy, orphan: true, timestamp: 1700000200n });
    expect([r2.rootTree, r2.rootMeta]).toEqual([full.rootTree, full.rootMeta]);
  });

  it('refuses to commit nothing unless allowEmpty', async () => {
    expect(await codeOf(wt.commit({ subject: 'nothing' }))).toBe('NOTHING_TO_COMMIT');
    const r = await wt.commit({ subject: 'empty', allowEmpty: true, timestamp: 1700000100n });
    expect(r.rootTree).toBe(repo.readCommitSync(base).rootTree);
  });

  it('refuses when the branch moved meanwhile, naming both commits, and changes nothing', async () => {
    const other = (await commitTree(repo, { tree: wt.path, branch: 'main', subject: 'elsewhere', timestamp: 1700000050n })).commit;
    write(wt.path, 'etc/motd', 'mine\n');
    const err = await wt.commit({ subject: 'mine' }).catch((e: StoreError) => e);
    expect((err as StoreError).code).toBe('REF_CONFLICT');
    expect((err as StoreError).message).toContain(other);
    expect((err as StoreError).message).toContain(base);
    expect(wt.head).toBe(base);
    const found = await findWorktree(wt.path);
    expect(found!.worktree.head).toBe(base);
    expect(await readRef(repo, { remote: null, name: 'main' })).toBe(other);
  });

  it('records merge parents and the reason when asked', async () => {
    write(wt.path, 'etc/motd', 'merged\n');
    const r = await wt.commit({ subject: 'merge', extraParents: [base], timestamp: 1700000100n });
    const c = repo.readCommitSync(r.commit);
    expect(c.metadata.map(([k]) => k)).toContain('osgit.merge-parents');
  });
});

describe('the native folder listing', () => {
  it("gives the lstat Node gives, times in Node's milliseconds to the last bit", async () => {
    const { native } = await import('../fsio/native.js');
    const dir = tmp.make('listing');
    write(dir, 'a', 'a');
    symlinkSync('a', join(dir, 'l'));
    mkdirSync(join(dir, 'd'));
    const [names, v] = native().lstatDir(dir);
    expect([...names].sort()).toEqual(['a', 'd', 'l']);
    names.forEach((name, i) => {
      const st = lstatSync(join(dir, name));
      const b = i * 9;
      expect([v[b], v[b + 1], v[b + 2], v[b + 3], v[b + 4]]).toEqual([st.mode, st.size, st.ino, st.uid, st.gid]);
      expect(v[b + 5]! * 1e3 + v[b + 6]! / 1e6).toBe(st.mtimeMs);
      expect(v[b + 7]! * 1e3 + v[b + 8]! / 1e6).toBe(st.ctimeMs);
    });
    expect(() => native().lstatDir(join(dir, 'l'))).toThrow(); // never follows a symlink
  });
});

describe('findWorktree', () => {
  beforeEach(() => setup('archive'));

  it('finds the worktree from a folder inside it, and Repo.discover finds the repository', async () => {
    const wt = await addWorktree(repo, { dir: tmp.path('wt') });
    const found = await findWorktree(join(wt.path, 'usr/bin'));
    expect(found!.worktree.id).toBe(wt.id);
    expect((await Repo.discover(undefined, join(wt.path, 'etc'))).path).toBe(repo.path);
    expect(await findWorktree(tmp.make('plain'))).toBeNull();
  });

  it('says which marker names a missing repository', async () => {
    const dir = tmp.make('orphan');
    writeFileSync(join(dir, '.osgit-worktree'), JSON.stringify({ repo: '/nonexistent/repo', id: 'x' }));
    const err = await findWorktree(dir).catch((e: StoreError) => e);
    expect((err as StoreError).code).toBe('REPO_NOT_FOUND');
    expect((err as StoreError).message).toContain('.osgit-worktree');
    expect(await codeOf(Repo.discover(undefined, dir))).toBe('REPO_NOT_FOUND');
  });
});

describe('user mode (a worktree made by a non-root user)', () => {
  it('keeps the committed owner, xattrs and setuid bits; status shows no owner change; a commit keeps them', async () => {
    repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
    const src = tmp.make('src');
    chmodSync(src, 0o755);
    write(src, 'bin/su', 'su', 0o4755);
    write(src, 'etc/conf', 'conf');
    writeXattr(join(src, 'etc/conf'), 'user.tag', Buffer.from('t'));
    base = (await commitTree(repo, { tree: src, branch: 'main', timestamp: 1700000000n, ownerUid: 1234, ownerGid: 1234 })).commit;
    const wt = await addWorktree(repo, { dir: tmp.path('wt'), userMode: true });
    expect(wt.userMode).toBe(true);
    expect(lstatSync(join(wt.path, 'bin/su')).mode & 0o7777).toBe(0o755); // checkout -U drops setuid
    expect((await wt.status()).clean).toBe(true);
    write(wt.path, 'etc/conf', 'conf 2');
    expect(changesOf(await wt.status())).toEqual({ '/etc/conf': ['modified'] });
    const r = await wt.commit({ subject: 'edit', timestamp: 1700000100n });
    const { openFileObjectSync } = await import('../repo/file-object.js');
    const tree = repo.readDirTreeSync(repo.readDirTreeSync(repo.readCommitSync(r.commit).rootTree).dirs.find((d) => d.name === 'etc')!.tree);
    const info = openFileObjectSync(repo, tree.files[0]!.checksum).info;
    expect([info.uid, info.gid, info.xattrs.map(([k]) => Buffer.from(k).toString())]).toEqual([1234, 1234, ['user.tag']]);
  });
});
