// Sanity checks of the interop test helpers, through the real ostree only: the fixture builder
// makes what it says, the tree comparator sees every difference, and ostree's own
// commit → checkout round trip reproduces the fixture as the other interop tests expect.
import { existsSync, lstatSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalized, diffTrees, expectTreesEqual, hardlinkGroups, snapshotTree, type TreeEntry } from './helpers/compare.js';
import {
  CAP_NET_RAW_EP,
  FIXTURE_COMMIT,
  FIXTURE_COMMIT_ARGS,
  FIXTURE_COMMIT_CANONICAL,
  makeFixtureTree,
  SPARSE_FILE_SIZE,
  type FixtureDescription,
} from './helpers/fixture.js';
import { makePrng, prngBytes } from './helpers/prng.js';
import {
  OSTREE,
  objectPath,
  ostree,
  ostreeCheckout,
  ostreeCommit,
  ostreeInit,
  ostreeLs,
  REPO_MODES,
  type RepoMode,
} from './helpers/ostree.js';
import { tempDirs } from './helpers/tmp.js';
import { haveNginx, startNginx } from './helpers/nginx.js';
import { requireRoot, requireTool, run } from './helpers/tools.js';

const tmp = tempDirs('helpers');
afterAll(() => tmp.cleanup());
const ROOT = requireRoot();

describe('requireTool', () => {
  it('finds an installed tool by name', () => {
    expect(requireTool('sh')).toMatch(/\/sh$/);
  });

  it('returns null for a missing tool outside CI', () => {
    const saved = process.env.CI;
    delete process.env.CI;
    try {
      expect(requireTool('osgit-no-such-tool')).toBeNull();
    } finally {
      if (saved !== undefined) process.env.CI = saved;
    }
  });

  it('throws an error naming the Debian package for a missing tool under CI', () => {
    const saved = process.env.CI;
    process.env.CI = 'true';
    try {
      expect(() => requireTool('qemu-system-x86_64-not-here')).toThrow(/REQUIRED TOOL MISSING/);
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });

  it('runs a command and reports its exit code and output', async () => {
    expect(await run('sh', ['-c', 'echo out; echo err >&2; exit 3'])).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });
});

describe('the pseudo-random generator', () => {
  it('gives the same bytes for the same seed and different bytes for another seed', () => {
    expect(prngBytes(42, 64)).toEqual(prngBytes(42, 64));
    expect(prngBytes(42, 64)).not.toEqual(prngBytes(43, 64));
    const a = makePrng(1);
    const values = Array.from({ length: 1000 }, () => a.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });
});

describe('the tree comparator', () => {
  let dir: string;
  beforeAll(() => {
    dir = tmp.make('cmp');
    writeFileSync(join(dir, 'a'), 'one');
    writeFileSync(join(dir, 'b'), 'two');
  });

  it('finds no difference between a tree and itself', () => {
    expect(diffTrees(snapshotTree(dir), snapshotTree(dir))).toEqual([]);
  });

  it('names the path and the field that differ', () => {
    const before = snapshotTree(dir);
    chmodSync(join(dir, 'a'), 0o600);
    writeFileSync(join(dir, 'c'), 'three');
    const after = snapshotTree(dir);
    const diff = diffTrees(before, after, ['before', 'after']);
    expect(diff).toContain('/a: mode before=00644 after=00600');
    expect(diff.some((l) => l.startsWith('/c: only in after'))).toBe(true);
    expect(() => expectTreesEqual(before, after)).toThrow(/trees differ \(2 differences\)/);
  });
});

describe.skipIf(!ROOT)('the fixture tree', () => {
  let fx: FixtureDescription;
  let snap: TreeEntry[];
  beforeAll(() => {
    fx = makeFixtureTree(tmp.path('fixture', 'tree'));
    snap = snapshotTree(fx.root, { inodes: true });
  });

  it('matches its own description entry by entry', () => {
    const described = fx.entries.map((e) => `/${e.path}`.replace(/^\/$/, '/')).sort();
    expect(snap.map((e) => e.path).sort()).toEqual(described);
    for (const e of fx.entries) {
      const s = snap.find((x) => x.path === (e.path === '' ? '/' : `/${e.path}`))!;
      expect({ path: s.path, type: s.type, mode: s.mode, uid: s.uid, gid: s.gid, target: s.target }).toEqual({
        path: s.path,
        type: e.kind,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        target: e.target,
      });
      const xattrs = Object.fromEntries(Object.entries(e.xattrs).map(([k, v]) => [k, v.toString('hex')]));
      expect(s.xattrs).toEqual(xattrs);
    }
  });

  it('holds every kind of entry an OS tree has', () => {
    const types = new Set(snap.map((e) => e.type));
    expect([...types].sort()).toEqual(['dir', 'file', 'symlink']);
    expect(snap.filter((e) => e.type === 'file' && e.mode & 0o4000).length).toBeGreaterThan(0);
    expect(snap.filter((e) => e.type === 'file' && e.mode & 0o2000).length).toBeGreaterThan(0);
    expect(snap.filter((e) => e.type === 'dir' && e.mode & 0o1000).length).toBeGreaterThan(0);
    expect(snap.some((e) => e.uid === 1234 && e.gid === 5678)).toBe(true);
    expect(snap.some((e) => e.type === 'symlink' && e.uid === 1234)).toBe(true);
    expect(snap.some((e) => /[^\x00-\x7f]/.test(e.path))).toBe(true);
    expect(snap.find((e) => e.path === '/bin/ping')!.xattrs).toEqual({ 'security.capability': CAP_NET_RAW_EP.toString('hex') });
    expect(fx.droppedXattrs.length).toBeGreaterThanOrEqual(2);
  });

  it('has two names for one inode', () => {
    expect(hardlinkGroups(snap)).toEqual([['/hardlink-a', '/hardlink-b']]);
  });

  it('has a sparse file that occupies far less than its size', () => {
    const st = statSync(join(fx.root, 'sparse.img'));
    expect(st.size).toBe(SPARSE_FILE_SIZE);
    expect(st.blocks * 512).toBeLessThan(SPARSE_FILE_SIZE / 10);
  });

  it('agrees with setcap about the capability blob', async () => {
    const setcap = requireTool('setcap');
    if (!setcap) return;
    const f = join(tmp.make('cap'), 'f');
    writeFileSync(f, 'x');
    expect((await run(setcap, ['cap_net_raw+ep', f])).code).toBe(0);
    expect(snapshotTree(f)[0]!.xattrs).toEqual({ 'security.capability': CAP_NET_RAW_EP.toString('hex') });
  });
});

describe.skipIf(!OSTREE || !ROOT)('ostree commit → ostree checkout of the fixture', () => {
  let fx: FixtureDescription;
  /** The fixture as ostree reads it: empty xattr values dropped. */
  let expected: TreeEntry[];
  const repos = {} as Record<RepoMode, string>;
  const commits = {} as Record<RepoMode, string>;

  beforeAll(async () => {
    fx = makeFixtureTree(tmp.path('fixture', 'tree'));
    expected = snapshotTree(fx.root, { dropEmptyXattrs: true });
    for (const mode of REPO_MODES) {
      repos[mode] = join(tmp.make(`repo-${mode}`), 'repo');
      await ostreeInit(repos[mode], mode);
      commits[mode] = await ostreeCommit(repos[mode], [...FIXTURE_COMMIT_ARGS, fx.root]);
    }
  });

  it('gives the pinned checksum in archive, bare and bare-user repos', () => {
    expect([commits.archive, commits.bare, commits['bare-user']]).toEqual([FIXTURE_COMMIT, FIXTURE_COMMIT, FIXTURE_COMMIT]);
  });

  it('forces canonical permissions in a bare-user-only repo', async () => {
    expect(commits['bare-user-only']).toBe(FIXTURE_COMMIT_CANONICAL);
    // --orphan does not stop -b from moving the branch; --bind-ref gives the same ref binding without a ref.
    const r = await ostreeCommit(repos.archive, ['--orphan', '--canonical-permissions', '--bind-ref=test/main', '--timestamp=@1577836800', fx.root]);
    expect(r).toBe(FIXTURE_COMMIT_CANONICAL);
  });

  it('records ownership, special modes and symlinks as built', async () => {
    const ls = await ostreeLs(repos.bare, 'test/main');
    const byPath = new Map(ls.map((e) => [e.path, e]));
    expect(byPath.get('/owned/suid-other')).toMatchObject({ mode: 0o4750, uid: 1234, gid: 5678 });
    expect(byPath.get('/owned/staff')).toMatchObject({ uid: 0, gid: 100 });
    expect(byPath.get('/tmp')).toMatchObject({ type: 'dir', mode: 0o1777 });
    expect(byPath.get('/links/dangling')).toMatchObject({ type: 'symlink', target: 'does/not/exist' });
    expect(byPath.get('/café/日本語.txt')).toMatchObject({ type: 'file', size: 16 });
    // Hardlinks are not recorded: both names are simply the same content object.
    expect(byPath.get('/hardlink-a')!.checksum).toBe(byPath.get('/hardlink-b')!.checksum);
  });

  for (const mode of ['archive', 'bare', 'bare-user'] as const) {
    it(`checks out of a ${mode} repo as root reproducing the fixture exactly`, async () => {
      const out = tmp.path(`co-${mode}`);
      await ostreeCheckout(repos[mode], 'test/main', out);
      expectTreesEqual(expected, snapshotTree(out), { labels: ['fixture', 'checkout'] });
    });
  }

  it('checks out of a bare-user-only repo the canonicalized fixture', async () => {
    const out = tmp.path('co-buo');
    await ostreeCheckout(repos['bare-user-only'], 'test/main', out);
    expectTreesEqual(canonicalized(expected), snapshotTree(out), { labels: ['canonical fixture', 'checkout'] });
  });

  it('in user mode (-U) restores neither ownership, xattrs nor setuid/setgid on files, but keeps directory modes', async () => {
    const out = tmp.path('co-archive-U');
    await ostreeCheckout(repos.archive, 'test/main', out, ['-U']);
    const userMode = expected.map((e) => ({
      ...e,
      uid: 0,
      gid: 0,
      xattrs: {},
      mode: e.type === 'file' ? e.mode & ~0o6000 : e.mode,
    }));
    expectTreesEqual(userMode, snapshotTree(out), { labels: ['fixture in user mode', 'checkout -U'] });
  });

  it('hardlinks every non-empty regular file to its object with -U -H from bare-user', async () => {
    const out = tmp.path('co-bu-UH');
    await ostreeCheckout(repos['bare-user'], 'test/main', out, ['-U', '-H']);
    const checked = await expectHardlinkedToObjects(repos['bare-user'], 'bare-user', out);
    expect(checked).toBeGreaterThan(20);
  });

  it('hardlinks every non-empty regular file to its object with -H from bare', async () => {
    const out = tmp.path('co-bare-H');
    await ostreeCheckout(repos.bare, 'test/main', out, ['-H']);
    await expectHardlinkedToObjects(repos.bare, 'bare', out);
    expectTreesEqual(expected, snapshotTree(out), { labels: ['fixture', 'checkout -H'] });
  });

  it('copies zero-sized files even with -H', async () => {
    const out = tmp.path('co-bare-H0');
    await ostreeCheckout(repos.bare, 'test/main', out, ['-H']);
    expect(lstatSync(join(out, 'empty')).nlink).toBe(1);
  });

  it('refuses -H where it cannot hardlink', async () => {
    expect((await ostree(['checkout', `--repo=${repos.archive}`, '-H', 'test/main', tmp.path('h1')])).code).not.toBe(0);
    expect((await ostree(['checkout', `--repo=${repos['bare-user']}`, '-H', 'test/main', tmp.path('h2')])).code).not.toBe(0);
    expect((await ostree(['checkout', `--repo=${repos.bare}`, '-U', '-H', 'test/main', tmp.path('h3')])).code).not.toBe(0);
  });

  it('checks out a subpath with that directory as the root', async () => {
    const out = tmp.path('co-sub');
    await ostreeCheckout(repos.bare, 'test/main', out, ['--subpath=/owned']);
    const sub = expected
      .filter((e) => e.path === '/owned' || e.path.startsWith('/owned/'))
      .map((e) => ({ ...e, path: e.path === '/owned' ? '/' : e.path.slice('/owned'.length) }));
    expectTreesEqual(sub, snapshotTree(out), { labels: ['fixture /owned', 'checkout --subpath'] });
  });

  it('refuses to check out into an existing directory without --union', async () => {
    const out = tmp.path('co-exists');
    await ostreeCheckout(repos.archive, 'test/main', out);
    expect((await ostree(['checkout', `--repo=${repos.archive}`, 'test/main', out])).code).not.toBe(0);
  });

  it('with --union overwrites files, restores deleted ones and keeps extra ones', async () => {
    const out = tmp.path('co-union');
    await ostreeCheckout(repos.archive, 'test/main', out);
    writeFileSync(join(out, 'extra'), 'not in the commit\n');
    writeFileSync(join(out, 'hello.txt'), 'changed\n');
    await run('rm', [join(out, 'nested/a/sibling.txt')]);
    await ostreeCheckout(repos.archive, 'test/main', out, ['--union']);
    const snap = snapshotTree(out, { exclude: ['/extra'] });
    // ostree 2022.7 quirk: in copy mode, --union replaces an existing symlink without applying
    // its uid/gid. Everything else is restored exactly.
    expect(diffTrees(expected, snap, ['fixture', 'union'])).toEqual([
      '/owned/link: uid fixture=1234 union=0',
      '/owned/link: gid fixture=5678 union=0',
    ]);
    expect(existsSync(join(out, 'extra'))).toBe(true);
  });
});

/** Asserts every non-empty regular file under `out` is the same inode as its object; returns how many. */
async function expectHardlinkedToObjects(repo: string, mode: RepoMode, out: string): Promise<number> {
  let n = 0;
  for (const e of await ostreeLs(repo, 'test/main')) {
    if (e.type !== 'file' || e.size === 0) continue;
    const obj = statSync(objectPath(repo, e.checksum, 'file', mode));
    const file = lstatSync(join(out, e.path));
    expect({ path: e.path, ino: file.ino }).toEqual({ path: e.path, ino: obj.ino });
    n++;
  }
  return n;
}

describe('the nginx helper', () => {
  it('serves a folder as static files, answers 404 for what is not there, and logs each request', async () => {
    if (!haveNginx()) return;
    const dir = tmp.path('nginx-root');
    await run('mkdir', ['-p', join(dir, 'refs/heads')]);
    writeFileSync(join(dir, 'refs/heads/main'), 'abc\n');
    const n = await startNginx(dir);
    try {
      const ok = await fetch(`${n.url}refs/heads/main`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('abc\n');
      expect((await fetch(`${n.url}missing`)).status).toBe(404);
      expect(n.accessLog().map((l) => / (\d{3}) /.exec(l)?.[1])).toEqual(['200', '404']);
    } finally {
      await n.stop();
    }
  });
});
