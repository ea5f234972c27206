// Commit times before 1970 and at the ends of the int64 range: `osgit log` and `osgit show` print
// the same instant `ostree log` prints (expected dates are literals, checked against ostree too),
// and a time no calendar date can name is printed as raw seconds, never a crash.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OSTREE } from './helpers/ostree.js';
import { tempDirs } from './helpers/tmp.js';
import { describeFailure, expectChecksum, lastLine, start, startOsgit, type RunResult } from './helpers/tools.js';

const tmp = tempDirs('commit-dates');
afterAll(() => tmp.cleanup());

async function osgit(args: string[]): Promise<RunResult> {
  return startOsgit(args, { env: { TZ: 'UTC' } }).done;
}

async function osgitOk(args: string[]): Promise<RunResult> {
  const r = await osgit(args);
  if (r.code !== 0) throw new Error(describeFailure('osgit', args, r));
  return r;
}

async function ostreeOk(args: string[]): Promise<RunResult> {
  const r = await start(OSTREE!, args, { env: { TZ: 'UTC' } }).done;
  if (r.code !== 0) throw new Error(describeFailure('ostree', args, r));
  return r;
}

interface Shown {
  timestamp: unknown;
  date: unknown;
}

let tree: string;

beforeAll(() => {
  tree = join(tmp.make('tree'), 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'hello.txt'), 'hello\n');
});

describe('osgit log and show on a commit osgit made before 1970', () => {
  let repo: string;
  let commit: string;

  beforeAll(async () => {
    repo = join(tmp.make('osgit'), 'repo');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    commit = expectChecksum(lastLine((await osgitOk(['commit', '--repo', repo, '-b', 'old', '-s', 'one second early', '--timestamp=@-1', tree])).stdout));
  });

  it('prints 1969-12-31 23:59:59 in log and show', async () => {
    const log = await osgit(['log', '--repo', repo, 'old']);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toContain(`commit ${commit}\n`);
    expect(log.stdout).toContain('Date:  1969-12-31 23:59:59 +0000\n');
    const show = await osgit(['show', '--repo', repo, 'old']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('Date:  1969-12-31 23:59:59 +0000\n');
  });

  it('gives the signed timestamp and the date in --json', async () => {
    const show = await osgitOk(['show', '--repo', repo, '--json', 'old']);
    const doc = JSON.parse(show.stdout) as Shown;
    expect(doc.timestamp).toBe(-1);
    expect(doc.date).toBe('1969-12-31T23:59:59Z');
    const log = await osgitOk(['log', '--repo', repo, '--json', 'old']);
    const commits = (JSON.parse(log.stdout) as { commits: Shown[] }).commits;
    expect(commits.map((c) => [c.timestamp, c.date])).toEqual([[-1, '1969-12-31T23:59:59Z']]);
  });
});

describe.skipIf(!OSTREE)('osgit log and show on commits ostree made at odd times', () => {
  let repo: string;

  /** `ostree commit -b BRANCH --timestamp=WHEN`; returns the checksum. */
  async function ostreeCommit(branch: string, when: string): Promise<string> {
    return expectChecksum(lastLine((await ostreeOk(['commit', `--repo=${repo}`, '-b', branch, `--timestamp=${when}`, '-s', branch, tree])).stdout));
  }

  beforeAll(async () => {
    repo = join(tmp.make('ostree'), 'repo');
    await ostreeOk(['init', `--repo=${repo}`, '--mode=archive']);
  });

  it('prints the moon landing (1969) as ostree does', async () => {
    const commit = await ostreeCommit('moon', '1969-07-20 20:17:40 UTC');
    const theirs = await ostreeOk(['log', `--repo=${repo}`, 'moon']);
    expect(theirs.stdout).toContain('Date:  1969-07-20 20:17:40 +0000\n');
    for (const cmd of ['log', 'show']) {
      const ours = await osgit([cmd, '--repo', repo, 'moon']);
      expect(ours.code, ours.stderr).toBe(0);
      expect(ours.stdout).toContain(`commit ${commit}\n`);
      expect(ours.stdout).toContain('Date:  1969-07-20 20:17:40 +0000\n');
      if (cmd === 'log') expect(ours.stdout).toBe(theirs.stdout);
    }
    const doc = JSON.parse((await osgitOk(['show', '--repo', repo, '--json', 'moon'])).stdout) as Shown;
    expect(doc.timestamp).toBe(-14182940);
    expect(doc.date).toBe('1969-07-20T20:17:40Z');
  });

  it('prints year 1 and year 9999, the ends of what ostree prints, as ostree does', async () => {
    for (const [branch, when, printed] of [
      ['year1', '0001-01-01 00:00:00 UTC', 'Date:  1-01-01 00:00:00 +0000\n'],
      ['year9999', '9999-12-31 23:59:59 UTC', 'Date:  9999-12-31 23:59:59 +0000\n'],
    ] as const) {
      await ostreeCommit(branch, when);
      const theirs = await ostreeOk(['log', `--repo=${repo}`, branch]);
      expect(theirs.stdout).toContain(printed);
      const ours = await osgitOk(['log', '--repo', repo, branch]);
      expect(ours.stdout).toBe(theirs.stdout);
    }
  });

  for (const [name, when, seconds] of [
    ['the largest int64', '@9223372036854775807', '9223372036854775807'],
    ['the smallest int64', '@-9223372036854775808', '-9223372036854775808'],
    ['year 10000', '10000-01-01 00:00:00 UTC', '253402300800'],
  ] as const) {
    it(`prints the raw seconds for ${name}, where ostree log gives up`, async () => {
      const branch = `far/${seconds.replace('-', 'minus')}`;
      await ostreeCommit(branch, when);
      for (const cmd of ['log', 'show']) {
        const ours = await osgit([cmd, '--repo', repo, branch]);
        expect(ours.code, ours.stderr).toBe(0);
        expect(ours.stdout).toContain(`Date:  @${seconds} (outside the years 1-9999)\n`);
      }
      const doc = JSON.parse((await osgitOk(['show', '--repo', repo, '--json', branch])).stdout) as Shown;
      expect(doc.date).toBeNull();
      // Past 2^53 a JSON number would round: the exact value is a string.
      expect(doc.timestamp).toBe(seconds === '253402300800' ? 253402300800 : seconds);
    });
  }
});
