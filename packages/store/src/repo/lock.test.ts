// The repository lock: any number of shared holders (writers) together, one exclusive holder
// alone, and markers left by dead processes never wedge the repo.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { acquireLock, withLock } from './lock.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
function repoDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'osgit-lock-'));
  made.push(d);
  return d;
}
const locksOf = (repo: string): string[] => readdirSync(join(repo, 'osgit', 'locks')).sort();

/** The pid of a process that has exited (pids are not reused this quickly). */
function deadPid(): number {
  const r = spawnSync('true');
  expect(r.status).toBe(0);
  return r.pid!;
}

async function expectLocked(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => new Error('acquired a lock that should have timed out'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe('REPO_LOCKED');
  expect((err as StoreError).message).not.toContain('\n');
  return err as StoreError;
}

describe('acquireLock', () => {
  it('lets two shared holders hold the lock together', async () => {
    const repo = repoDir();
    const a = await acquireLock(repo, 'shared', { timeoutMs: 200 });
    const b = await acquireLock(repo, 'shared', { timeoutMs: 200 });
    expect(locksOf(repo).filter((n) => n.startsWith('shared.'))).toHaveLength(2);
    await a.release();
    await b.release();
    expect(locksOf(repo)).toEqual([]);
  });

  it('makes an exclusive request time out with REPO_LOCKED while a shared holder lives, and leaves no marker behind', async () => {
    const repo = repoDir();
    const shared = await acquireLock(repo, 'shared');
    const started = Date.now();
    const err = await expectLocked(acquireLock(repo, 'exclusive', { timeoutMs: 300 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(err.data).toMatchObject({ kind: 'exclusive' });
    expect(locksOf(repo).filter((n) => n === 'exclusive')).toEqual([]);
    await shared.release();
  });

  it('gives the exclusive lock as soon as the shared holders leave', async () => {
    const repo = repoDir();
    const s1 = await acquireLock(repo, 'shared');
    const s2 = await acquireLock(repo, 'shared');
    let got = false;
    const pending = acquireLock(repo, 'exclusive', { timeoutMs: 5000 }).then((l) => {
      got = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toBe(false);
    await s1.release();
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toBe(false);
    await s2.release();
    const ex = await pending;
    expect(ex.kind).toBe('exclusive');
    await ex.release();
  });

  it('makes shared and exclusive requests wait while an exclusive holder lives', async () => {
    const repo = repoDir();
    const ex = await acquireLock(repo, 'exclusive');
    await expectLocked(acquireLock(repo, 'shared', { timeoutMs: 200 }));
    await expectLocked(acquireLock(repo, 'exclusive', { timeoutMs: 200 }));
    await ex.release();
    const s = await acquireLock(repo, 'shared', { timeoutMs: 200 });
    await s.release();
  });

  it('ignores an exclusive marker left by a dead process', async () => {
    const repo = repoDir();
    mkdirSync(join(repo, 'osgit', 'locks'), { recursive: true });
    writeFileSync(join(repo, 'osgit', 'locks', 'exclusive'), `${deadPid()}\n`);
    const s = await acquireLock(repo, 'shared', { timeoutMs: 200 });
    await s.release();
    const ex = await acquireLock(repo, 'exclusive', { timeoutMs: 200 });
    await ex.release();
    expect(locksOf(repo)).toEqual([]);
  });

  it('ignores a shared marker left by a dead process', async () => {
    const repo = repoDir();
    mkdirSync(join(repo, 'osgit', 'locks'), { recursive: true });
    writeFileSync(join(repo, 'osgit', 'locks', `shared.${deadPid()}.deadbeef`), '\n');
    const ex = await acquireLock(repo, 'exclusive', { timeoutMs: 200 });
    await ex.release();
    expect(locksOf(repo)).toEqual([]);
  });

  it('respects a marker of another live process', async () => {
    const repo = repoDir();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      mkdirSync(join(repo, 'osgit', 'locks'), { recursive: true });
      writeFileSync(join(repo, 'osgit', 'locks', `shared.${child.pid}.cafe0001`), '\n');
      await expectLocked(acquireLock(repo, 'exclusive', { timeoutMs: 200 }));
      expect(existsSync(join(repo, 'osgit', 'locks', `shared.${child.pid}.cafe0001`))).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    // Once that process is gone its marker is stale.
    const ex = await acquireLock(repo, 'exclusive', { timeoutMs: 1000 });
    await ex.release();
  });

  it('releases once, however often release is called', async () => {
    const repo = repoDir();
    const a = await acquireLock(repo, 'shared');
    await a.release();
    const b = await acquireLock(repo, 'shared');
    await a.release();
    expect(locksOf(repo)).toHaveLength(1);
    await b.release();
  });
});

describe('withLock', () => {
  it('releases the lock when the work throws', async () => {
    const repo = repoDir();
    await expect(withLock(repo, 'exclusive', async () => {
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(locksOf(repo)).toEqual([]);
    expect(await withLock(repo, 'exclusive', async () => 42, { timeoutMs: 200 })).toBe(42);
  });
});
