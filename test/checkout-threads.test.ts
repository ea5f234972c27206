// A checkout is split into subtrees that the main thread and a helper thread write side by side
// (packages/store/src/checkout/units.ts). Whatever thread writes a part, the result must be
// ostree's checkout: content, modes, ownership, xattrs, symlinks, empty folders, hardlinks to
// the same objects. `unitsOnMain: false` leaves every subtree to the helper thread, so these
// tests know which thread wrote what; a failure there must come back as the typed error.
import { cpSync, lstatSync, mkdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repo, StoreError, checkout, revParse, type CheckoutOptions } from '@osgit/store';
import { expectTreesEqual, mapTree, snapshotTree, type TreeEntry } from './helpers/compare.js';
import { FIXTURE_COMMIT_ARGS, makeFixtureTree, makeGeneratedTree } from './helpers/fixture.js';
import { OSTREE, objectPath, ostreeCheckout, ostreeCommit, ostreeInit, ostreeLs, type RepoMode } from './helpers/ostree.js';
import { tempDirs } from './helpers/tmp.js';
import { requireRoot } from './helpers/tools.js';

const tmp = tempDirs('checkout-threads');
afterAll(() => tmp.cleanup());
const ROOT = requireRoot();

/** The helper thread writes every subtree; the main thread only makes the top folder. */
const HELPER_ONLY = { threads: 2, unitsOnMain: false } as const;

async function osgitCheckout(repoPath: string, dest: string, opts: Partial<CheckoutOptions> = {}): Promise<void> {
  const repo = await Repo.open(repoPath);
  await checkout(repo, { commit: await revParse(repo, 'test/main'), destination: dest, ...opts });
}

/** Files that are hardlinks (nlink > 1) in ostree's checkout, with their inodes: the repo's objects. */
function linkedInodes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of snapshotTree(dir, { inodes: true })) {
    if (e.type === 'file' && lstatSync(join(dir, e.path)).nlink > 1) out.set(e.path, e.inode!);
  }
  return out;
}

describe.skipIf(!OSTREE || !ROOT)('checkout written by two threads', () => {
  let fixtureRoot: string;
  const repos = {} as Record<RepoMode, string>;

  beforeAll(async () => {
    fixtureRoot = makeFixtureTree(tmp.path('fixture', 'tree')).root;
    for (const mode of ['archive', 'bare-user', 'bare', 'bare-user-only'] as const) {
      repos[mode] = join(tmp.make(`repo-${mode}`), 'repo');
      await ostreeInit(repos[mode], mode);
      await ostreeCommit(repos[mode], [...FIXTURE_COMMIT_ARGS, fixtureRoot]);
    }
  });

  for (const mode of ['archive', 'bare-user', 'bare', 'bare-user-only'] as const) {
    it(`gives ostree's checkout as root from a ${mode} repository when the helper thread writes every subtree`, async () => {
      const theirs = tmp.path(`ostree-${mode}`);
      const ours = tmp.path(`osgit-${mode}`);
      await ostreeCheckout(repos[mode], 'test/main', theirs);
      await osgitCheckout(repos[mode], ours, HELPER_ONLY);
      expectTreesEqual(snapshotTree(theirs), snapshotTree(ours), { labels: [`ostree ${mode}`, `osgit ${mode}, helper thread`] });
    });
  }

  it("gives ostree's -U checkout from an archive repository when the helper thread writes every subtree", async () => {
    const theirs = tmp.path('ostree-U');
    const ours = tmp.path('osgit-U');
    await ostreeCheckout(repos.archive, 'test/main', theirs, ['-U']);
    await osgitCheckout(repos.archive, ours, { ...HELPER_ONLY, userMode: true });
    expectTreesEqual(snapshotTree(theirs), snapshotTree(ours), { labels: ['ostree -U', 'osgit -U, helper thread'] });
  });

  for (const [mode, flags] of [['bare-user', ['-U', '-H']], ['bare', ['-H']]] as const) {
    it(`hardlinks the same objects as ostree ${flags.join(' ')} from a ${mode} repository when the helper thread writes every subtree`, async () => {
      const theirs = tmp.path(`ostree-H-${mode}`);
      const ours = tmp.path(`osgit-H-${mode}`);
      await ostreeCheckout(repos[mode], 'test/main', theirs, [...flags]);
      await osgitCheckout(repos[mode], ours, { ...HELPER_ONLY, requireHardlinks: true, userMode: (flags as readonly string[]).includes('-U') });
      expectTreesEqual(snapshotTree(theirs), snapshotTree(ours), { labels: [`ostree ${flags.join(' ')}`, 'osgit, helper thread'] });
      const linked = linkedInodes(theirs);
      expect(linked.size).toBeGreaterThan(20);
      const ourInodes = new Map(snapshotTree(ours, { inodes: true }).map((e: TreeEntry) => [e.path, e.inode]));
      for (const [path, inode] of linked) expect(ourInodes.get(path), path).toBe(inode);
    });
  }

  it('keeps existing folders and replaces what is in the way in a --union checkout written by the helper thread, as ostree does', async () => {
    const theirs = tmp.path('ostree-union');
    const ours = tmp.path('osgit-union');
    for (const dir of [theirs, ours]) {
      await ostreeCheckout(repos.archive, 'test/main', dir, ['-U']);
      mkdirSync(join(dir, 'added-by-user'));
    }
    await ostreeCheckout(repos.archive, 'test/main', theirs, ['--union']);
    await osgitCheckout(repos.archive, ours, { ...HELPER_ONLY, union: true });
    // ostree 2022.7 leaves a symlink it replaces in --union copy mode owned by root (see checkout-interop.test.ts).
    const withoutSymlinkOwnership = (entries: readonly TreeEntry[]) =>
      mapTree(entries, (e) => (e.type === 'symlink' ? { ...e, uid: undefined, gid: undefined } : e));
    expectTreesEqual(withoutSymlinkOwnership(snapshotTree(theirs)), withoutSymlinkOwnership(snapshotTree(ours)), { labels: ['ostree --union', 'osgit --union, helper thread'] });
  });

  describe('a tree large enough to be shared', () => {
    let repo: string;
    beforeAll(async () => {
      const tree = tmp.path('generated', 'tree');
      makeGeneratedTree(tree, { files: 1500, perDir: 15, maxSize: 4096 });
      repo = join(tmp.make('generated-repo'), 'repo');
      await ostreeInit(repo, 'archive');
      await ostreeCommit(repo, [...FIXTURE_COMMIT_ARGS, tree]);
    });

    it("gives ostree's checkout when both threads take subtrees", async () => {
      const theirs = tmp.path('ostree-gen');
      const ours = tmp.path('osgit-gen');
      await ostreeCheckout(repo, 'test/main', theirs);
      await osgitCheckout(repo, ours, { threads: 2 });
      expectTreesEqual(snapshotTree(theirs), snapshotTree(ours), { labels: ['ostree', 'osgit, two threads'] });
    });

    it('fails with OBJECT_CORRUPT, naming the object, when the helper thread meets a damaged object', async () => {
      const victim = (await ostreeLs(repo, 'test/main', '/d050')).find((e) => e.type === 'file' && e.size > 1000)!;
      const damaged = join(tmp.make('damaged'), 'repo');
      // A copy of the repo whose one object has lost the end of its compressed body.
      cpSync(repo, damaged, { recursive: true });
      const object = objectPath(damaged, victim.checksum, 'file', 'archive');
      truncateSync(object, Math.floor(lstatSync(object).size * 0.6));
      const err = await osgitCheckout(damaged, tmp.path('osgit-damaged'), HELPER_ONLY).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('OBJECT_CORRUPT');
      expect((err as StoreError).message).toContain(victim.checksum);
    });

    it('fails with CHECKOUT_EXISTS before any thread writes when the destination exists', async () => {
      const dest = tmp.make('exists');
      const err = await osgitCheckout(repo, dest, { threads: 2 }).then(() => null, (e: unknown) => e);
      expect((err as StoreError).code).toBe('CHECKOUT_EXISTS');
    });
  });
});
