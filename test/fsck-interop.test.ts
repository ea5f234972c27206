// fsck across the two implementations: every repository osgit writes passes `ostree fsck`, every
// repository ostree writes passes `osgit fsck`, and both see the same damage (DESIGN.md §1).
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_COMMIT_ARGS, makeFixtureTree, makeSecondTree } from './helpers/fixture.js';
import { osgitCommit, osgitFsck, osgitInit } from './helpers/osgit.js';
import { OSTREE, objectPath, ostree, ostreeCommit, ostreeInit, ostreeLs, REPO_MODES, type RepoMode } from './helpers/ostree.js';
import { tempDirs } from './helpers/tmp.js';
import { requireRoot, type RunResult } from './helpers/tools.js';

const tmp = tempDirs('fsck');
afterAll(() => tmp.cleanup());
const ROOT = requireRoot();

let fixture: string;
let second: string;
beforeAll(() => {
  if (!OSTREE || !ROOT) return;
  fixture = makeFixtureTree(tmp.path('fixture', 'tree')).root;
  second = makeSecondTree(tmp.path('second', 'tree'));
});

function output(r: RunResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

function expectClean(r: RunResult, who: string): void {
  expect(r.code, `${who} failed:\n${output(r)}`).toBe(0);
}

/** `ostree fsck` and `osgit fsck` of `repo`, run side by side (both only read it). */
function bothFscks(repo: string): Promise<[RunResult, RunResult]> {
  return Promise.all([ostree(['fsck', `--repo=${repo}`]), osgitFsck(repo)]);
}

/** Commits the fixture and then a second tree on the same branch, with the given tool. */
async function commitHistory(commit: (args: string[]) => Promise<string>): Promise<{ first: string; second: string }> {
  const first = await commit([...FIXTURE_COMMIT_ARGS, '-s', 'first', fixture]);
  const next = await commit(['-b', 'test/main', '-s', 'second', '--timestamp=@1577923200', second]);
  return { first, second: next };
}

describe.skipIf(!OSTREE || !ROOT)('fsck across implementations', () => {
  for (const mode of REPO_MODES) {
    describe(`of a ${mode} repository`, () => {
      it('written by osgit passes ostree fsck and osgit fsck', async () => {
        const repo = join(tmp.make(`osgit-${mode}`), 'repo');
        await osgitInit(repo, mode);
        const { first } = await commitHistory((args) => osgitCommit(repo, args));
        // An orphan commit and a commit with --no-xattrs too, so that more object variants exist.
        await osgitCommit(repo, ['--orphan', '--no-bindings', '--canonical-permissions', '--timestamp=@1577836800', fixture]);
        await osgitCommit(repo, ['-b', 'test/other', '--no-xattrs', `--parent=${first}`, '--timestamp=@1577836800', fixture]);
        const [theirs, ours] = await bothFscks(repo);
        expectClean(theirs, 'ostree fsck');
        expectClean(ours, 'osgit fsck');
      });

      it('written by ostree passes osgit fsck', async () => {
        const repo = join(tmp.make(`ostree-${mode}`), 'repo');
        await ostreeInit(repo, mode);
        await commitHistory((args) => ostreeCommit(repo, args));
        const [theirs, ours] = await bothFscks(repo);
        expectClean(theirs, 'ostree fsck');
        expectClean(ours, 'osgit fsck');
      });
    });
  }

  describe('of a damaged repository', () => {
    /** A fresh ostree-written repo with history; returns it with its commits and one file's checksum. */
    async function damagedRepo(mode: RepoMode) {
      const repo = join(tmp.make(`damaged-${mode}`), 'repo');
      await ostreeInit(repo, mode);
      const commits = await commitHistory((args) => ostreeCommit(repo, args));
      const hello = (await ostreeLs(repo, commits.first)).find((e) => e.path === '/hello.txt')!;
      return { repo, commits, hello };
    }

    for (const mode of ['archive', 'bare-user'] as const) {
      it(`names a corrupted content object and the commits that reach it (${mode})`, async () => {
        const { repo, commits, hello } = await damagedRepo(mode);
        const path = objectPath(repo, hello.checksum, 'file', mode);
        chmodSync(path, 0o644);
        // Same length, different bytes: only a rehash finds it.
        writeFileSync(path, mode === 'archive' ? corruptArchive(path) : 'HELLO WORLD\n');
        const [theirs, ours] = await bothFscks(repo);
        expect(theirs.code, 'ostree fsck must notice the damage').not.toBe(0);
        expect(ours.code).not.toBe(0);
        expect(output(ours)).toContain(hello.checksum);
        // hello.txt is unchanged in the second tree, so both commits (and test/main) are affected.
        expect(output(ours)).toMatch(new RegExp(`${commits.first}|${commits.second}|test/main`));
      });
    }

    it('names a missing dirtree object', async () => {
      const { repo, commits } = await damagedRepo('archive');
      const bin = (await ostreeLs(repo, commits.second)).find((e) => e.path === '/bin')!;
      rmSync(objectPath(repo, bin.checksum, 'dirtree', 'archive'));
      const [theirs, ours] = await bothFscks(repo);
      expect(theirs.code).not.toBe(0);
      expect(ours.code).not.toBe(0);
      expect(output(ours)).toContain(bin.checksum);
      expect(output(ours)).toMatch(new RegExp(`${commits.first}|${commits.second}|test/main`));
    });

    it('names a ref that points at a missing commit', async () => {
      const { repo, commits } = await damagedRepo('bare-user');
      rmSync(objectPath(repo, commits.second, 'commit', 'bare-user'));
      const [theirs, ours] = await bothFscks(repo);
      expect(theirs.code).not.toBe(0);
      expect(ours.code).not.toBe(0);
      expect(output(ours)).toContain(commits.second);
      expect(output(ours)).toContain('test/main');
    });
  });
});

/**
 * A well-formed archive `.filez` object (original header, see reference/ostree-formats.md §2.5)
 * whose compressed body decodes to other content of the same length.
 */
function corruptArchive(path: string): Buffer {
  const original = readFileSync(path);
  const header = original.subarray(0, 8 + original.readUInt32BE(0));
  return Buffer.concat([header, deflateRawSync(Buffer.from('HELLO WORLD\n'))]);
}
