// Crash safety of osgit commit (DESIGN.md §3: "a crash at any instant leaves the repository
// fsck-clean with each ref at its old or its new value"): the same commit is SIGKILLed at many
// pseudo-random moments (fixed seed, so a failure can be replayed) into one repository whose
// branch is at an older commit; after every kill both fscks pass and the branch is old or new.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGeneratedTree } from './helpers/fixture.js';
import { osgitCommit, osgitFsck } from './helpers/osgit.js';
import { OSTREE, ostree, ostreeCommit, ostreeInit, readRefFile, type RepoMode } from './helpers/ostree.js';
import { makePrng } from './helpers/prng.js';
import { tempDirs } from './helpers/tmp.js';
import { expectChecksum, lastLine, startOsgit, type RunResult } from './helpers/tools.js';

/**
 * Kills per repository mode (override both with OSGIT_CRASH_KILLS). archive gets the most; the
 * total is kept so that the file runs in well under two minutes on two cores.
 */
const KILLS_PER_MODE: [RepoMode, number][] = [
  ['archive', Number(process.env.OSGIT_CRASH_KILLS ?? 20)],
  ['bare-user', Number(process.env.OSGIT_CRASH_KILLS ?? 12)],
];
/** Seed of the kill moments; override with OSGIT_CRASH_SEED to explore other moments. */
const SEED = Number(process.env.OSGIT_CRASH_SEED ?? 0x05ca5e);
const BRANCH = 'test/crash';
const OLD_ARGS = ['-b', BRANCH, '-s', 'old', '--timestamp=@1577836800'];
// The new tree is passed as --tree=dir=DIR below: whether a positional DIR may follow a repeatable
// flag is commit-interop's business, not this test's.
const NEW_ARGS = ['-b', BRANCH, '-s', 'new', '--timestamp=@1577923200', '--add-metadata-string=version=2'];

const tmp = tempDirs('crash');
afterAll(() => tmp.cleanup());

let oldTree: string;
let newTree: string;
beforeAll(() => {
  if (!OSTREE) return;
  oldTree = join(tmp.make('old'), 'tree');
  newTree = join(tmp.make('new'), 'tree');
  makeGeneratedTree(oldTree, { files: 40, seed: 1 });
  // Large enough that a commit takes a good part of a second or more.
  makeGeneratedTree(newTree, { files: 1500, seed: 2, maxSize: 32 * 1024 });
});

function output(r: RunResult): string {
  return `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
}

/** Moves the branch back to `checksum` the way a ref update is done: write a temp file, rename. */
function resetRef(repo: string, checksum: string): void {
  const path = join(repo, 'refs', 'heads', ...BRANCH.split('/'));
  writeFileSync(`${path}.reset-tmp`, `${checksum}\n`);
  renameSync(`${path}.reset-tmp`, path);
}

describe.skipIf(!OSTREE)('osgit commit killed at any moment', () => {
  for (const [index, [mode, KILLS]] of KILLS_PER_MODE.entries()) {
    describe(`into a ${mode} repository`, () => {
      let oldCommit: string;
      let newCommit: string;
      /** Milliseconds an uninterrupted commit into a repo without its objects takes, CLI start-up included. */
      let coldDuration: number;

      beforeAll(async () => {
        // The expected new checksum: an uninterrupted commit into a scratch repo at the same old commit.
        const scratch = join(tmp.make(`scratch-${mode}`), 'repo');
        await ostreeInit(scratch, mode);
        oldCommit = await ostreeCommit(scratch, [...OLD_ARGS, oldTree]);
        const started = Date.now();
        const run = startOsgit(['commit', '--repo', scratch, ...NEW_ARGS, `--tree=dir=${newTree}`]);
        const r = await run.done;
        coldDuration = Date.now() - started;
        if (r.code !== 0) throw new Error(`uninterrupted osgit commit failed:\n${output(r)}`);
        newCommit = expectChecksum(lastLine(r.stdout), 'osgit commit output (last line)');
        expect(readRefFile(scratch, BRANCH)).toBe(`${newCommit}\n`);
      });

      it(`stays fsck-clean with the branch at the old or the new commit after each of ${KILLS} kills`, async () => {
        const repo = join(tmp.make(`repo-${mode}`), 'repo');
        await ostreeInit(repo, mode);
        expect(await ostreeCommit(repo, [...OLD_ARGS, oldTree])).toBe(oldCommit);

        const prng = makePrng(SEED + index);
        const outcomes = { killed: 0, finished: 0, refOld: 0, refNew: 0 };
        // Kill moments are drawn from [5%, 100%] of how long the commit currently takes. Objects that
        // killed runs left behind make later runs shorter, so a run that ends before its kill
        // becomes the new measure, keeping the kills inside the commit.
        let window = coldDuration;
        for (let kill = 0; kill < KILLS; kill++) {
          const delay = Math.round(window * (0.05 + 0.95 * prng.next()));
          const where = `kill ${kill + 1}/${KILLS} at ${delay} ms of ~${window} ms (seed ${SEED + index})`;
          const started = Date.now();
          const run = startOsgit(['commit', '--repo', repo, ...NEW_ARGS, `--tree=dir=${newTree}`]);
          const ended = await Promise.race([run.done.then(() => true), sleep(delay).then(() => false)]);
          if (!ended) run.killGroup('SIGKILL');
          const r = await run.done;
          if (r.signal === 'SIGKILL') outcomes.killed++;
          else {
            expect(r.code, `${where}: commit ended on its own but failed:\n${output(r)}`).toBe(0);
            outcomes.finished++;
            window = Math.max(50, Date.now() - started);
          }

          const ref = readRefFile(repo, BRANCH);
          expect([`${oldCommit}\n`, `${newCommit}\n`], `${where}: refs/heads/${BRANCH} = ${JSON.stringify(ref)}`).toContain(ref);
          // Both only read the repository: run them side by side.
          const [theirs, ours] = await Promise.all([ostree(['fsck', `--repo=${repo}`]), osgitFsck(repo)]);
          expect(theirs.code, `${where}: ostree fsck:\n${output(theirs)}`).toBe(0);
          expect(ours.code, `${where}: osgit fsck:\n${output(ours)}`).toBe(0);

          if (ref === `${newCommit}\n`) {
            outcomes.refNew++;
            resetRef(repo, oldCommit);
          } else {
            outcomes.refOld++;
          }
        }
        console.info(`crash test (${mode}): ${JSON.stringify(outcomes)}, cold commit ${coldDuration} ms, last window ${window} ms`);
        // The kills must mostly land while the commit is running, or the test proves little.
        expect(outcomes.killed, JSON.stringify(outcomes)).toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));
        expect(outcomes.refOld, JSON.stringify(outcomes)).toBeGreaterThan(0);

        // Leftovers of the killed runs (staging dirs, locks) do not get in the way of the next commit.
        expect(await osgitCommit(repo, [...NEW_ARGS, `--tree=dir=${newTree}`])).toBe(newCommit);
        expect(readRefFile(repo, BRANCH)).toBe(`${newCommit}\n`);
        const [theirs, ours] = await Promise.all([ostree(['fsck', `--repo=${repo}`]), osgitFsck(repo)]);
        expect(theirs.code).toBe(0);
        expect(ours.code).toBe(0);
      }, 300_000);
    });
  }
});
