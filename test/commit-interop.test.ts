// osgit commit against ostree commit: the same tree with the same flags gives the same commit
// checksum, in every repository mode (DESIGN.md §1). Each case runs the identical argument list
// through both tools; only how --repo is spelled differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_COMMIT, FIXTURE_COMMIT_ARGS, FIXTURE_COMMIT_CANONICAL, makeFixtureTree, makeSecondTree } from './helpers/fixture.js';
import { osgitCommit, osgitInit } from './helpers/osgit.js';
import { OSTREE, ostreeCommit, ostreeInit, ostreeRevParse, readRefFile, REPO_MODES } from './helpers/ostree.js';
import { tempDirs } from './helpers/tmp.js';
import { requireRoot, osgit } from './helpers/tools.js';

const tmp = tempDirs('commit');
afterAll(() => tmp.cleanup());
const ROOT = requireRoot();

let fixture: string;
/** A second, smaller tree (for parent linkage): a folder added, and hello.txt changed. */
let second: string;

beforeAll(() => {
  if (!OSTREE || !ROOT) return;
  fixture = makeFixtureTree(tmp.path('fixture', 'tree')).root;
  second = makeSecondTree(tmp.path('second', 'tree'));
  writeFileSync(join(second, 'hello.txt'), 'hello world, second version\n');
});

interface FlagSet {
  name: string;
  /** Arguments before the tree. */
  args: string[];
  /** How the tree is passed: positional DIR or --tree=dir=DIR. */
  tree: 'positional' | 'tree-option';
  /** Branch whose ref both tools must move (null for --orphan). */
  branch: string | null;
}

const FLAG_SETS: FlagSet[] = [
  {
    name: 'branch, subject, body and an @epoch timestamp',
    args: ['-b', 'test/main', '-s', 'Subject', '-m', 'Body', '--timestamp=@1577836800'],
    tree: 'positional',
    branch: 'test/main',
  },
  {
    name: 'owner overrides, no xattrs and two metadata strings',
    args: [
      '-b', 'test/meta', '-s', 'metadata', '--timestamp=@1577836800',
      '--owner-uid=0', '--owner-gid=0', '--no-xattrs',
      '--add-metadata-string', 'version=1.0', '--add-metadata-string', 'foo=bar',
    ],
    tree: 'tree-option',
    branch: 'test/meta',
  },
  {
    name: 'non-root owner overrides keep the xattrs',
    args: ['-b', 'test/owner', '--timestamp=@1577836800', '--owner-uid=1000', '--owner-gid=1000'],
    tree: 'positional',
    branch: 'test/owner',
  },
  {
    name: 'canonical permissions, an orphan commit and no bindings',
    args: ['--canonical-permissions', '--orphan', '--no-bindings', '-s', 'canonical', '--timestamp=@1577836800'],
    tree: 'positional',
    branch: null,
  },
  {
    name: "a '2020-01-01 00:00:00 UTC' timestamp",
    args: ['-b', 'test/iso', '-s', 'iso', '--timestamp=2020-01-01 00:00:00 UTC'],
    tree: 'positional',
    branch: 'test/iso',
  },
  {
    name: 'an ISO 8601 timestamp with a T and an offset',
    args: ['-b', 'test/iso8601', '-s', 'iso', '--timestamp', '2020-01-01T01:00:00+01:00'],
    tree: 'positional',
    branch: 'test/iso8601',
  },
];

function treeArgs(set: FlagSet, dir: string): string[] {
  return set.tree === 'positional' ? [dir] : [`--tree=dir=${dir}`];
}

describe.skipIf(!OSTREE || !ROOT)('osgit commit gives the same checksum as ostree commit', () => {
  for (const mode of REPO_MODES) {
    describe(`into a ${mode} repository`, () => {
      let ostreeRepo: string;
      let osgitRepo: string;

      beforeAll(async () => {
        ostreeRepo = join(tmp.make(`ostree-${mode}`), 'repo');
        osgitRepo = join(tmp.make(`osgit-${mode}`), 'repo');
        await ostreeInit(ostreeRepo, mode);
        await osgitInit(osgitRepo, mode);
      });

      it('writes the same config as ostree init', () => {
        expect(readFileSync(join(osgitRepo, 'config'), 'utf8')).toBe(readFileSync(join(ostreeRepo, 'config'), 'utf8'));
      });

      it('gives the pinned fixture checksum', async () => {
        const expected = mode === 'bare-user-only' ? FIXTURE_COMMIT_CANONICAL : FIXTURE_COMMIT;
        // In scratch repos, so that test/main stays free for the flag sets below.
        const o = join(tmp.make(`pin-ostree-${mode}`), 'repo');
        const g = join(tmp.make(`pin-osgit-${mode}`), 'repo');
        await ostreeInit(o, mode);
        await osgitInit(g, mode);
        expect(await ostreeCommit(o, [...FIXTURE_COMMIT_ARGS, fixture])).toBe(expected);
        expect(await osgitCommit(g, [...FIXTURE_COMMIT_ARGS, fixture])).toBe(expected);
      });

      for (const set of FLAG_SETS) {
        it(`matches with ${set.name}`, async () => {
          const theirs = await ostreeCommit(ostreeRepo, [...set.args, ...treeArgs(set, fixture)]);
          const ours = await osgitCommit(osgitRepo, [...set.args, ...treeArgs(set, fixture)]);
          expect(ours).toBe(theirs);
          if (set.branch) {
            // Ref files are byte-identical: 64 hex + newline.
            expect(readRefFile(osgitRepo, set.branch)).toBe(`${theirs}\n`);
            expect(readRefFile(ostreeRepo, set.branch)).toBe(`${theirs}\n`);
          }
        });
      }

      it('does not move any ref for an --orphan commit', async () => {
        const before = await osgit(['refs', '--repo', osgitRepo]);
        await osgitCommit(osgitRepo, ['--orphan', '--no-bindings', '-s', 'orphan', '--timestamp=@1577836801', fixture]);
        const after = await osgit(['refs', '--repo', osgitRepo]);
        expect(after.code).toBe(0);
        expect(after.stdout).toBe(before.stdout);
      });

      it('links a second commit on the same branch to the first, as ostree does', async () => {
        const args1 = ['-b', 'test/chain', '-s', 'first', '--timestamp=@1577836800'];
        const args2 = ['-b', 'test/chain', '-s', 'second', '--timestamp=@1577923200', '--add-metadata-string', 'version=2.0'];
        const first = await ostreeCommit(ostreeRepo, [...args1, fixture]);
        const secondCommit = await ostreeCommit(ostreeRepo, [...args2, second]);
        expect(await osgitCommit(osgitRepo, [...args1, fixture])).toBe(first);
        expect(await osgitCommit(osgitRepo, [...args2, second])).toBe(secondCommit);
        // ostree reads the parent link out of osgit's repository.
        expect(await ostreeRevParse(osgitRepo, 'test/chain^')).toBe(first);
        expect(readRefFile(osgitRepo, 'test/chain')).toBe(`${secondCommit}\n`);
      });

      it('uses an explicit --parent for a new branch', async () => {
        const base = ['-b', 'test/base', '-s', 'base', '--timestamp=@1577836800'];
        const first = await ostreeCommit(ostreeRepo, [...base, fixture]);
        expect(await osgitCommit(osgitRepo, [...base, fixture])).toBe(first);
        const args = ['-b', 'test/explicit', '-s', 'explicit parent', '--timestamp=@1578009600', `--parent=${first}`];
        const theirs = await ostreeCommit(ostreeRepo, [...args, second]);
        const ours = await osgitCommit(osgitRepo, [...args, second]);
        expect(ours).toBe(theirs);
        expect(await ostreeRevParse(osgitRepo, 'test/explicit^')).toBe(first);
      });

      it('overrides the branch head with an explicit --parent on an existing branch', async () => {
        const base = ['-b', 'test/reparent-base', '-s', 'base', '--timestamp=@1577836800'];
        const head = ['-b', 'test/reparent', '-s', 'head', '--timestamp=@1577923200'];
        const root = await ostreeCommit(ostreeRepo, [...base, second]);
        await ostreeCommit(ostreeRepo, [...head, fixture]);
        expect(await osgitCommit(osgitRepo, [...base, second])).toBe(root);
        await osgitCommit(osgitRepo, [...head, fixture]);
        const args = ['-b', 'test/reparent', '-s', 'reparented', '--timestamp=@1578096000', `--parent=${root}`];
        const theirs = await ostreeCommit(ostreeRepo, [...args, fixture]);
        const ours = await osgitCommit(osgitRepo, [...args, fixture]);
        expect(ours).toBe(theirs);
        expect(await ostreeRevParse(osgitRepo, 'test/reparent^')).toBe(root);
      });
    });
  }
});

describe.skipIf(!OSTREE || !ROOT)('osgit commit --json', () => {
  it('prints one JSON document naming the commit and the branch', async () => {
    const repo = join(tmp.make('json'), 'repo');
    await osgitInit(repo, 'archive');
    const r = await osgit(['commit', '--repo', repo, '--json', ...FIXTURE_COMMIT_ARGS, fixture]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { commit?: unknown; branch?: unknown };
    expect(doc.commit).toBe(FIXTURE_COMMIT);
    expect(doc.branch).toBe('test/main');
  });

  it('fails with one line on stderr when the tree does not exist', async () => {
    const repo = join(tmp.make('missing'), 'repo');
    await osgitInit(repo, 'archive');
    const r = await osgit(['commit', '--repo', repo, '-b', 'x', '--timestamp=@0', join(repo, 'no-such-dir')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readRefFile(repo, 'x')).toBeNull();
  });
});
