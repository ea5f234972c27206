// The repository lock is libostree's: an OFD lock on <repo>/.lock, any number of shared holders
// (writers) together, one exclusive holder (prune) alone, each acquisition on its own open file.
// The cross-process side (libostree itself, SIGKILLed holders) is in test/repo-lock.test.ts.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { acquireLock, withLock } from './lock.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
function repoDir(config = '[core]\nrepo_version=1\nmode=archive-z2\n'): string {
  const d = mkdtempSync(join(tmpdir(), 'osgit-lock-'));
  made.push(d);
  writeFileSync(join(d, 'config'), config);
  return d;
}

/** The kernel's own list of OFD locks on this file (/proc/locks: "OFDLCK ADVISORY READ|WRITE ..."). */
function kernelLocks(path: string): string[] {
  const { dev, ino } = statSync(path);
  const id = `${(Math.floor(dev / 256) & 0xfff).toString(16).padStart(2, '0')}:${(dev & 0xff).toString(16).padStart(2, '0')}:${ino}`;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .filter((l) => l.includes(` ${id} `))
    .map((l) => l.split(/\s+/).slice(1, 4).join(' '));
}

async function expectLocked(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => new Error('acquired a lock that should have been refused'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe('REPO_LOCKED');
  expect((err as StoreError).message).not.toContain('\n');
  return err as StoreError;
}

describe('acquireLock', () => {
  it('takes an OFD read lock on <repo>/.lock for a shared holder, and a write lock for an exclusive one', async () => {
    const repo = repoDir();
    const lockPath = join(repo, '.lock');
    const s = await acquireLock(repo, 'shared', { timeoutMs: 0 });
    expect(kernelLocks(lockPath)).toEqual(['OFDLCK ADVISORY READ']);
    await s.release();
    expect(kernelLocks(lockPath)).toEqual([]);
    const ex = await acquireLock(repo, 'exclusive', { timeoutMs: 0 });
    expect(kernelLocks(lockPath)).toEqual(['OFDLCK ADVISORY WRITE']);
    await ex.release();
    expect(kernelLocks(lockPath)).toEqual([]);
  });

  it('lets two shared holders hold the lock together', async () => {
    const repo = repoDir();
    const a = await acquireLock(repo, 'shared', { timeoutMs: 0 });
    const b = await acquireLock(repo, 'shared', { timeoutMs: 0 });
    expect(kernelLocks(join(repo, '.lock'))).toHaveLength(2);
    await a.release();
    await b.release();
  });

  it('refuses the exclusive lock to a second holder in the same process while a shared one holds it', async () => {
    const repo = repoDir();
    const shared = await acquireLock(repo, 'shared');
    const err = await expectLocked(acquireLock(repo, 'exclusive', { timeoutMs: 0 }));
    expect(err.message).toContain(join(repo, '.lock'));
    expect(err.message).toContain('another process (osgit or ostree)');
    expect(err.data).toMatchObject({ kind: 'exclusive', lockFile: join(repo, '.lock') });
    await shared.release();
    const ex = await acquireLock(repo, 'exclusive', { timeoutMs: 0 });
    await ex.release();
  });

  it('gives a waiting exclusive request the lock once the shared holders leave', async () => {
    const repo = repoDir();
    const s1 = await acquireLock(repo, 'shared');
    const s2 = await acquireLock(repo, 'shared');
    const pending = acquireLock(repo, 'exclusive', { timeoutMs: 60_000 });
    await s1.release();
    await expectLocked(acquireLock(repo, 'exclusive', { timeoutMs: 0 })); // s2 still holds it
    await s2.release();
    const ex = await pending;
    expect(ex.kind).toBe('exclusive');
    expect(kernelLocks(join(repo, '.lock'))).toEqual(['OFDLCK ADVISORY WRITE']);
    await ex.release();
  });

  it('makes shared and exclusive requests fail while an exclusive holder holds it', async () => {
    const repo = repoDir();
    const ex = await acquireLock(repo, 'exclusive');
    await expectLocked(acquireLock(repo, 'shared', { timeoutMs: 0 }));
    await expectLocked(acquireLock(repo, 'exclusive', { timeoutMs: 50 }));
    await ex.release();
    const s = await acquireLock(repo, 'shared', { timeoutMs: 0 });
    await s.release();
  });

  it('waits no longer than [core] lock-timeout-secs when no timeout is passed (0 = one try)', async () => {
    const repo = repoDir('[core]\nrepo_version=1\nmode=archive-z2\nlock-timeout-secs=0\n');
    const ex = await acquireLock(repo, 'exclusive');
    const err = await expectLocked(acquireLock(repo, 'shared'));
    expect(err.data).toMatchObject({ timeoutMs: 0 });
    await ex.release();
  });

  it('refuses a lock-timeout-secs that is not a whole number with REPO_CONFIG', async () => {
    const repo = repoDir('[core]\nrepo_version=1\nmode=archive-z2\nlock-timeout-secs=soon\n');
    await expect(acquireLock(repo, 'shared')).rejects.toMatchObject({ code: 'REPO_CONFIG' });
  });

  it('takes no lock at all when the config says [core] locking=false, as ostree', async () => {
    const repo = repoDir('[core]\nrepo_version=1\nmode=archive-z2\nlocking=false\n');
    const a = await acquireLock(repo, 'exclusive', { timeoutMs: 0 });
    const b = await acquireLock(repo, 'exclusive', { timeoutMs: 0 });
    await a.release();
    await b.release();
  });

  it('releases once, however often release is called', async () => {
    const repo = repoDir();
    const a = await acquireLock(repo, 'exclusive');
    await a.release();
    const b = await acquireLock(repo, 'exclusive', { timeoutMs: 0 });
    await a.release();
    await expectLocked(acquireLock(repo, 'shared', { timeoutMs: 0 }));
    await b.release();
  });
});

describe('withLock', () => {
  it('releases the lock when the work throws', async () => {
    const repo = repoDir();
    await expect(withLock(repo, 'exclusive', async () => {
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await withLock(repo, 'exclusive', async () => 42, { timeoutMs: 0 })).toBe(42);
  });
});
