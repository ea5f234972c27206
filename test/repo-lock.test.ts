// The repository lock is the one libostree takes (an OFD lock on <repo>/.lock), so osgit and
// `ostree` exclude each other; a killed holder never wedges the repository, wherever its pid
// lives; ref compare-and-swap and staging folders are locked the same way. Holders are real
// processes that say "locked" on stdout when they hold the lock; nothing here waits on a clock.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ostreeLock, osgitLock, requireOstreeBindings } from './helpers/lock-holders.js';
import { OSTREE, ostree, ostreeCommit, ostreeInit, ostreeOk, readRefFile } from './helpers/ostree.js';
import { tempDirs } from './helpers/tmp.js';
import { expectChecksum, lastLine, requireRoot, requireTool, startOsgit } from './helpers/tools.js';

const PYTHON = await requireOstreeBindings();
const tmp = tempDirs('repo-lock');
afterAll(() => tmp.cleanup());

let tree: string;
let tree2: string;
beforeAll(() => {
  tree = tmp.make('tree');
  writeFileSync(join(tree, 'a'), 'first\n');
  tree2 = tmp.make('tree2');
  writeFileSync(join(tree2, 'b'), 'second\n');
  mkdirSync(join(tree2, 'sub'));
  writeFileSync(join(tree2, 'sub', 'c'), 'third\n');
});

/** An archive repo made by ostree, its branch `main` at a first commit, with this lock timeout. */
async function ostreeRepo(lockTimeoutSecs: number): Promise<{ repo: string; first: string }> {
  const repo = join(tmp.make('repo'), 'repo');
  await ostreeInit(repo, 'archive');
  await ostreeOk(['config', `--repo=${repo}`, 'set', 'core.lock-timeout-secs', String(lockTimeoutSecs)]);
  const first = await ostreeCommit(repo, ['-b', 'main', '--timestamp=2020-01-01T00:00:00Z', tree]);
  return { repo, first };
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1;
  return n;
}

const stagingIn = (repo: string): string[] => readdirSync(join(repo, 'tmp')).filter((n) => n.startsWith('osgit-staging-'));

describe.skipIf(!OSTREE || !PYTHON)('the repository lock, between osgit and libostree', () => {
  it('osgit commit writes nothing and moves no branch while libostree holds the exclusive lock, and succeeds after', async () => {
    const { repo, first } = await ostreeRepo(1);
    const objectsBefore = countFiles(join(repo, 'objects'));
    const holder = ostreeLock(PYTHON!, repo, 'exclusive', 'hold');
    await holder.line('locked');

    const refused = await startOsgit(['commit', '--repo', repo, '-b', 'main', tree2]).done;
    expect(refused.code, refused.stderr).toBe(5);
    expect(refused.stderr).toContain(join(repo, '.lock'));
    expect(countFiles(join(repo, 'objects'))).toBe(objectsBefore);
    expect(readRefFile(repo, 'main')).toBe(`${first}\n`);
    expect(stagingIn(repo)).toEqual([]);

    expect((await holder.finish()).stdout).toContain('released');
    const ok = await startOsgit(['commit', '--repo', repo, '-b', 'main', tree2]).done;
    expect(ok.code, ok.stderr).toBe(0);
    const second = expectChecksum(lastLine(ok.stdout));
    expect(readRefFile(repo, 'main')).toBe(`${second}\n`);
    expect((await ostree(['fsck', `--repo=${repo}`])).code).toBe(0);
  });

  it('libostree cannot take the exclusive lock (nor ostree prune) while osgit holds the shared one', async () => {
    const { repo, first } = await ostreeRepo(0);
    const holder = osgitLock(['hold', repo, 'shared']);
    await holder.line('locked');

    const exclusive = await ostreeLock(PYTHON!, repo, 'exclusive', 'try').done;
    expect(exclusive.code, exclusive.stdout + exclusive.stderr).toBe(3);
    expect(exclusive.stdout).toContain('busy');
    const prune = await ostree(['prune', `--repo=${repo}`, '--refs-only']);
    expect(prune.code).not.toBe(0);
    expect(prune.stderr).toMatch(/lock/i);
    // Shared holders of either tool go together.
    expect((await ostreeLock(PYTHON!, repo, 'shared', 'try').done).code).toBe(0);

    expect((await holder.finish()).stdout).toContain('released');
    expect((await ostreeLock(PYTHON!, repo, 'exclusive', 'try').done).code).toBe(0);
    expect((await ostree(['prune', `--repo=${repo}`, '--refs-only'])).code).toBe(0);
    expect(readRefFile(repo, 'main')).toBe(`${first}\n`);
  });

  it('an osgit shared holder and an osgit exclusive request in two processes exclude each other, both ways', async () => {
    const { repo } = await ostreeRepo(0);
    const shared = osgitLock(['hold', repo, 'shared']);
    await shared.line('locked');
    const refused = await osgitLock(['try', repo, 'exclusive']).done;
    expect(refused.code).toBe(5);
    expect(refused.stdout).toContain('REPO_LOCKED');
    expect((await osgitLock(['try', repo, 'shared']).done).code).toBe(0);
    await shared.finish();

    const exclusive = osgitLock(['hold', repo, 'exclusive']);
    await exclusive.line('locked');
    expect((await osgitLock(['try', repo, 'shared']).done).code).toBe(5);
    expect((await ostreeLock(PYTHON!, repo, 'shared', 'try').done).code).toBe(3);
    await exclusive.finish();
    expect((await osgitLock(['try', repo, 'exclusive']).done).code).toBe(0);
  });

  it('a SIGKILLed holder, of either tool, never wedges the repository', async () => {
    const { repo } = await ostreeRepo(0);
    const holders = [() => osgitLock(['hold', repo, 'exclusive']), () => ostreeLock(PYTHON!, repo, 'exclusive', 'hold')];
    for (const startHolder of holders) {
      const holder = startHolder();
      await holder.line('locked');
      holder.killGroup('SIGKILL');
      expect((await holder.done).signal).toBe('SIGKILL');
      const next = await osgitLock(['try', repo, 'exclusive']).done;
      expect(next.code, next.stdout + next.stderr).toBe(0);
    }
  });
});

const ROOT = requireRoot();
const UNSHARE = requireTool('unshare');

describe.skipIf(!OSTREE || !ROOT || !UNSHARE)('locks of processes in another PID namespace', () => {
  it('a holder SIGKILLed inside a PID namespace (where it is pid 1) never wedges the repository', async () => {
    const { repo } = await ostreeRepo(0);
    const holder = osgitLock(['hold', repo, 'exclusive'], { wrap: [UNSHARE!, '--pid', '--fork'] });
    await holder.line('locked');
    holder.killGroup('SIGKILL');
    await holder.done;
    const next = await osgitLock(['try', repo, 'exclusive']).done;
    expect(next.code, next.stdout + next.stderr).toBe(0);
  });

  it('the next transaction removes the staging folder of one SIGKILLed in a PID namespace, and keeps a live one', async () => {
    const { repo } = await ostreeRepo(5);
    const live = osgitLock(['tx', repo]);
    const liveDir = (await live.line('staging ')).slice('staging '.length);
    const killed = osgitLock(['tx', repo], { wrap: [UNSHARE!, '--pid', '--fork'] });
    const killedDir = (await killed.line('staging ')).slice('staging '.length);
    writeFileSync(join(killedDir, 'half-written'), 'x');
    killed.killGroup('SIGKILL');
    await killed.done;

    const r = await startOsgit(['commit', '--repo', repo, '-b', 'main', tree2]).done;
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(killedDir)).toBe(false);
    expect(existsSync(liveDir)).toBe(true);
    await live.finish();
    expect(existsSync(liveDir)).toBe(false);
    expect(stagingIn(repo)).toEqual([]);
  });
});

describe.skipIf(!OSTREE)('ref compare-and-swap across processes', () => {
  it('of two processes racing to move one ref from the same value, exactly one wins, and no lock file is deleted', async () => {
    const { repo, first } = await ostreeRepo(5);
    const refsLock = join(repo, 'osgit', 'locks', 'refs.lock');
    let expected = first;
    let lockInode: number | null = null;
    for (let round = 0; round < 4; round++) {
      const values = [`${round}a`.padEnd(64, 'a'), `${round}b`.padEnd(64, 'b')];
      const racers = values.map((v) => osgitLock(['cas', repo, 'main', expected, v]));
      await Promise.all(racers.map((r) => r.line('ready')));
      for (const r of racers) r.child.stdin!.write('go\n');
      const results = await Promise.all(racers.map((r) => r.done));
      const winners = results.flatMap((r, i) => (r.code === 0 ? [i] : []));
      expect(winners, results.map((r) => r.stdout + r.stderr).join('\n')).toHaveLength(1);
      const loser = results[1 - winners[0]!]!;
      expect(loser.code).toBe(5);
      expect(loser.stdout).toContain('REF_CONFLICT');
      expected = values[winners[0]!]!;
      expect(readRefFile(repo, 'main')).toBe(`${expected}\n`);
      lockInode ??= statSync(refsLock).ino;
      expect(statSync(refsLock).ino).toBe(lockInode);
      expect(readdirSync(join(repo, 'refs', 'heads'))).toEqual(['main']);
    }
  });
});
