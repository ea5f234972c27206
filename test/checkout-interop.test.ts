// Checkouts across the two implementations: ostree checks out what osgit committed, osgit checks
// out what ostree committed, and both reproduce the fixture exactly: content, modes, ownership,
// xattrs, symlink targets. The checkout flags (-U, -H, --subpath, --union) behave as ostree's do;
// where ostree 2022.7 has a quirk, the test says so and osgit is held to the correct result.
import { chmodSync, existsSync, lstatSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalized, expectTreesEqual, mapTree, snapshotTree, type SnapshotOptions, type TreeEntry } from './helpers/compare.js';
import { FIXTURE_COMMIT_ARGS, makeFixtureTree } from './helpers/fixture.js';
import { osgitCheckout, osgitCheckoutResult, osgitCommit, osgitInit } from './helpers/osgit.js';
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
import { requireRoot } from './helpers/tools.js';

const tmp = tempDirs('checkout');
afterAll(() => tmp.cleanup());
const ROOT = requireRoot();

/** A user-mode checkout hardlinked from a bare-user repo shows the objects' own metadata xattr. */
const USER_MODE_SNAPSHOT: SnapshotOptions = { ignoreXattrs: ['security.selinux', 'user.ostreemeta'] };

/** Symlinks lose their ownership when ostree 2022.7 --union replaces them in copy mode. */
function withoutSymlinkOwnership(entries: readonly TreeEntry[]): TreeEntry[] {
  return mapTree(entries, (e) => (e.type === 'symlink' ? { ...e, uid: undefined, gid: undefined } : e));
}

describe.skipIf(!OSTREE || !ROOT)('checkout across implementations', () => {
  let fixtureRoot: string;
  /** The fixture as ostree commits it: empty xattr values dropped. */
  let fixture: TreeEntry[];

  beforeAll(() => {
    fixtureRoot = makeFixtureTree(tmp.path('fixture', 'tree')).root;
    fixture = snapshotTree(fixtureRoot, { dropEmptyXattrs: true });
  });

  // Checkouts only read a repository, so every test shares one repository per tool and mode with
  // the fixture committed once, made when a test first needs it.
  const committed = new Map<string, Promise<string>>();
  function repoWithFixture(tool: 'ostree' | 'osgit', mode: RepoMode): Promise<string> {
    const key = `${tool} ${mode}`;
    let repo = committed.get(key);
    if (!repo) {
      repo = (async () => {
        const path = join(tmp.make(`${tool}-${mode}`), 'repo');
        if (tool === 'ostree') {
          await ostreeInit(path, mode);
          await ostreeCommit(path, [...FIXTURE_COMMIT_ARGS, fixtureRoot]);
        } else {
          await osgitInit(path, mode);
          await osgitCommit(path, [...FIXTURE_COMMIT_ARGS, fixtureRoot]);
        }
        return path;
      })();
      committed.set(key, repo);
    }
    return repo;
  }

  for (const mode of REPO_MODES) {
    describe(`from a ${mode} repository`, () => {
      /** Written by ostree. */
      let ostreeRepo: string;
      /** What a plain checkout as root must give. */
      let expected: TreeEntry[];

      beforeAll(async () => {
        ostreeRepo = await repoWithFixture('ostree', mode);
        expected = mode === 'bare-user-only' ? canonicalized(fixture) : fixture;
      });

      // osgit's repo is filled lazily so that the ostree-only expectations above never depend on it.
      const osgitRepoWithFixture = (): Promise<string> => repoWithFixture('osgit', mode);

      it('ostree checks out what osgit committed, reproducing the fixture', async () => {
        const out = tmp.path('ostree-of-osgit');
        await ostreeCheckout(await osgitRepoWithFixture(), 'test/main', out);
        expectTreesEqual(expected, snapshotTree(out), { labels: ['fixture', 'ostree checkout of osgit commit'] });
      });

      it('osgit checks out what ostree committed, reproducing the fixture', async () => {
        const out = tmp.path('osgit-of-ostree');
        await osgitCheckout(ostreeRepo, 'test/main', out);
        expectTreesEqual(expected, snapshotTree(out), { labels: ['fixture', 'osgit checkout of ostree commit'] });
      });

      it('osgit checks out what osgit committed, reproducing the fixture', async () => {
        const out = tmp.path('osgit-of-osgit');
        await osgitCheckout(await osgitRepoWithFixture(), 'test/main', out);
        expectTreesEqual(expected, snapshotTree(out), { labels: ['fixture', 'osgit checkout of osgit commit'] });
      });

      it('in user mode (-U) gives what ostree -U gives', async () => {
        const theirs = tmp.path('ostree-U');
        const ours = tmp.path('osgit-U');
        await ostreeCheckout(ostreeRepo, 'test/main', theirs, ['-U']);
        await osgitCheckout(ostreeRepo, 'test/main', ours, ['-U']);
        expectTreesEqual(snapshotTree(theirs, USER_MODE_SNAPSHOT), snapshotTree(ours, USER_MODE_SNAPSHOT), {
          labels: ['ostree -U', 'osgit -U'],
        });
      });

      for (const subpath of ['/owned', '/nested', 'nested/a', '/empty-dir']) {
        it(`with --subpath ${subpath} gives what ostree gives`, async () => {
          const theirs = tmp.path('ostree-sub');
          const ours = tmp.path('osgit-sub');
          await ostreeCheckout(ostreeRepo, 'test/main', theirs, [`--subpath=${subpath}`]);
          await osgitCheckout(ostreeRepo, 'test/main', ours, ['--subpath', subpath]);
          expectTreesEqual(snapshotTree(theirs), snapshotTree(ours), { labels: ['ostree --subpath', 'osgit --subpath'] });
        });
      }

      it('with --subpath of a single file checks out that file into the directory, as ostree does', async () => {
        const theirs = tmp.path('ostree-subfile');
        const ours = tmp.path('osgit-subfile');
        await ostreeCheckout(ostreeRepo, 'test/main', theirs, ['--subpath=/bin/suid']);
        await osgitCheckout(ostreeRepo, 'test/main', ours, ['--subpath', '/bin/suid']);
        // ostree creates the target directory 0700 in this case; only the entries are compared.
        const entries = (dir: string) => snapshotTree(dir).filter((e) => e.path !== '/');
        expectTreesEqual(entries(theirs), entries(ours), { labels: ['ostree --subpath FILE', 'osgit --subpath FILE'] });
      });

      it('refuses a checkout into an existing directory without --union, as ostree does', async () => {
        const out = tmp.path('exists');
        await ostreeCheckout(ostreeRepo, 'test/main', out);
        expect((await ostree(['checkout', `--repo=${ostreeRepo}`, 'test/main', out])).code).not.toBe(0);
        expect((await osgitCheckoutResult(ostreeRepo, 'test/main', out)).code).not.toBe(0);
      });

      it('with --union overwrites changed files, restores deleted ones, keeps extra ones and existing directories as they are', async () => {
        const prepare = async (out: string) => {
          await ostreeCheckout(ostreeRepo, 'test/main', out);
          writeFileSync(join(out, 'extra'), 'not in the commit\n');
          chmodSync(join(out, 'nested'), 0o700);
          // Replace rather than edit: in hardlinked checkouts the file is the repo's object.
          rmSync(join(out, 'hello.txt'));
          writeFileSync(join(out, 'hello.txt'), 'changed\n');
          rmSync(join(out, 'nested/a/sibling.txt'));
          rmSync(join(out, 'links/relative'));
        };
        const theirs = tmp.path('ostree-union');
        const ours = tmp.path('osgit-union');
        await prepare(theirs);
        await prepare(ours);
        await ostreeCheckout(ostreeRepo, 'test/main', theirs, ['--union']);
        await osgitCheckout(ostreeRepo, 'test/main', ours, ['--union']);
        const snapOurs = snapshotTree(ours, { exclude: ['/extra'] });
        // An existing directory keeps its mode (ostree: "keep existing directories").
        const expectedUnion = mapTree(expected, (e) => (e.path === '/nested' ? { ...e, mode: 0o700 } : e));
        expectTreesEqual(expectedUnion, snapOurs, { labels: ['expected', 'osgit --union'] });
        expect(existsSync(join(ours, 'extra'))).toBe(true);
        expectTreesEqual(withoutSymlinkOwnership(snapshotTree(theirs)), withoutSymlinkOwnership(snapshotTree(ours)), {
          labels: ['ostree --union', 'osgit --union'],
        });
      });
    });
  }

  describe('with hardlinks (-H)', () => {
    const repos = {} as Record<'ostree', Record<'bare' | 'bare-user' | 'archive', string>>;

    beforeAll(async () => {
      repos.ostree = {} as (typeof repos)['ostree'];
      for (const mode of ['bare', 'bare-user', 'archive'] as const) repos.ostree[mode] = await repoWithFixture('ostree', mode);
    });

    function osgitRepo(mode: 'bare' | 'bare-user'): Promise<string> {
      return repoWithFixture('osgit', mode);
    }

    it('osgit checkout -U -H from bare-user makes every non-empty file the same inode as its object', async () => {
      const repo = repos.ostree['bare-user'];
      const ours = tmp.path('osgit-UH');
      await osgitCheckout(repo, 'test/main', ours, ['-U', '-H']);
      expect(await hardlinkedToObjects(repo, 'bare-user', ours)).toBeGreaterThan(20);
      const theirs = tmp.path('ostree-UH');
      await ostreeCheckout(repo, 'test/main', theirs, ['-U', '-H']);
      // Same files, same on-disk modes, same user.ostreemeta (they are the same objects).
      expectTreesEqual(snapshotTree(theirs), snapshotTree(ours), { labels: ['ostree -U -H', 'osgit -U -H'] });
    });

    it('osgit checkout -H from bare makes every non-empty file the same inode as its object and reproduces the fixture', async () => {
      const repo = repos.ostree.bare;
      const out = tmp.path('osgit-H');
      await osgitCheckout(repo, 'test/main', out, ['-H']);
      expect(await hardlinkedToObjects(repo, 'bare', out)).toBeGreaterThan(20);
      expectTreesEqual(fixture, snapshotTree(out), { labels: ['fixture', 'osgit -H'] });
    });

    it('copies zero-sized files instead of hardlinking them, as ostree does', async () => {
      const out = tmp.path('osgit-H0');
      await osgitCheckout(repos.ostree.bare, 'test/main', out, ['-H']);
      expect(lstatSync(join(out, 'empty')).nlink).toBe(1);
    });

    it('refuses -H from an archive repository (nothing to hardlink), as ostree does', async () => {
      expect((await ostree(['checkout', `--repo=${repos.ostree.archive}`, '-H', 'test/main', tmp.path('o1')])).code).not.toBe(0);
      expect((await osgitCheckoutResult(repos.ostree.archive, 'test/main', tmp.path('r1'), ['-H'])).code).not.toBe(0);
    });

    it('refuses -H from bare-user without -U (objects do not carry the ownership), as ostree does', async () => {
      expect((await ostree(['checkout', `--repo=${repos.ostree['bare-user']}`, '-H', 'test/main', tmp.path('o2')])).code).not.toBe(0);
      expect((await osgitCheckoutResult(repos.ostree['bare-user'], 'test/main', tmp.path('r2'), ['-H'])).code).not.toBe(0);
    });

    it('refuses -U -H from bare (hardlinks would keep setuid bits and ownership a user checkout drops), as ostree does', async () => {
      expect((await ostree(['checkout', `--repo=${repos.ostree.bare}`, '-U', '-H', 'test/main', tmp.path('o3')])).code).not.toBe(0);
      expect((await osgitCheckoutResult(repos.ostree.bare, 'test/main', tmp.path('r3'), ['-U', '-H'])).code).not.toBe(0);
    });

    it("ostree checkout -U -H of osgit's bare-user repo finds objects laid out exactly as ostree lays them out", async () => {
      const repo = await osgitRepo('bare-user');
      const ours = tmp.path('ostree-UH-of-osgit');
      const theirs = tmp.path('ostree-UH-of-ostree');
      await ostreeCheckout(repo, 'test/main', ours, ['-U', '-H']);
      await ostreeCheckout(repos.ostree['bare-user'], 'test/main', theirs, ['-U', '-H']);
      expect(await hardlinkedToObjects(repo, 'bare-user', ours)).toBeGreaterThan(20);
      // Includes each object's on-disk mode and its user.ostreemeta xattr, byte for byte.
      expectTreesEqual(snapshotTree(theirs), snapshotTree(ours), { labels: ["ostree's objects", "osgit's objects"] });
    });

    it("ostree checkout -H of osgit's bare repo reproduces the fixture from hardlinks to osgit's objects", async () => {
      const repo = await osgitRepo('bare');
      const out = tmp.path('ostree-H-of-osgit');
      await ostreeCheckout(repo, 'test/main', out, ['-H']);
      expect(await hardlinkedToObjects(repo, 'bare', out)).toBeGreaterThan(20);
      expectTreesEqual(fixture, snapshotTree(out), { labels: ['fixture', "osgit's bare objects"] });
    });
  });
});

/** Asserts every non-empty regular file of the commit is, under `out`, the same inode as its object. Returns how many. */
async function hardlinkedToObjects(repo: string, mode: RepoMode, out: string): Promise<number> {
  const mismatches: string[] = [];
  let n = 0;
  for (const e of await ostreeLs(repo, 'test/main')) {
    if (e.type !== 'file' || e.size === 0) continue;
    const object = statSync(objectPath(repo, e.checksum, 'file', mode));
    const file = lstatSync(join(out, e.path));
    if (file.ino !== object.ino || file.dev !== object.dev) mismatches.push(`${e.path} is not a hardlink to ${e.checksum}`);
    n++;
  }
  expect(mismatches).toEqual([]);
  return n;
}
