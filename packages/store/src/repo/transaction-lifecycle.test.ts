// A transaction's life: begin() locks (repo shared lock, and the lock file of its own staging
// folder), commit() moves objects and then refs under that lock, and whatever happens the staging
// folder is gone and the locks are released when commit() or abort() returns.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { sha256Hex } from '../checksum.js';
import { lockFile } from '../fsio/file-lock.js';
import { readRef } from '../refs/refs.js';
import { acquireLock } from './lock.js';
import { Repo } from './repo.js';
import { Transaction } from './transaction.js';

const tmp = tempDirs('tx-life');
afterAll(() => tmp.cleanup());

const stagingOf = (repo: Repo): string[] => readdirSync(join(repo.path, 'tmp')).filter((n) => n.startsWith('osgit-staging-')).sort();

/** A dirmeta-typed object with arbitrary bytes: these tests are about where files go, not what they hold. */
function stageOne(tx: Transaction, text: string): string {
  const bytes = Buffer.from(text);
  const checksum = sha256Hex(bytes);
  tx.writeMetadataSync(checksum, 'dirmeta', bytes);
  return checksum;
}

async function exclusiveIsFree(repo: Repo): Promise<boolean> {
  return acquireLock(repo.path, 'exclusive', { timeoutMs: 0 }).then(
    async (l) => {
      await l.release();
      return true;
    },
    () => false,
  );
}

describe('Transaction', () => {
  it('removes its staging folder and releases the lock when commit() fails while moving objects', async () => {
    const repo = await Repo.init(tmp.path('fail', 'repo'), { mode: 'archive' });
    const tx = await Transaction.begin(repo);
    const checksum = stageOne(tx, 'a staged object');
    // A file where the objects/XX folder must go makes the move step fail.
    writeFileSync(join(repo.path, 'objects', checksum.slice(0, 2)), 'in the way');
    await expect(tx.commit()).rejects.toThrow();
    expect(stagingOf(repo)).toEqual([]);
    expect(await exclusiveIsFree(repo)).toBe(true);
    await tx.abort(); // after a failed commit: nothing left to do, and no error
    expect(stagingOf(repo)).toEqual([]);
  });

  it('removes its staging folder and the folder\'s lock file on abort()', async () => {
    const repo = await Repo.init(tmp.path('abort', 'repo'), { mode: 'archive' });
    const tx = await Transaction.begin(repo);
    stageOne(tx, 'to be dropped');
    expect(stagingOf(repo)).toHaveLength(2); // the folder and its lock file
    await tx.abort();
    expect(stagingOf(repo)).toEqual([]);
    expect(await exclusiveIsFree(repo)).toBe(true);
  });

  it('moves the refs given to commit() while it still holds the shared lock', async () => {
    const repo = await Repo.init(tmp.path('refs', 'repo'), { mode: 'archive' });
    mkdirSync(join(repo.path, 'osgit', 'locks'), { recursive: true });
    // Holding the refs lock stops commit() right at its ref update.
    const refsLock = (await lockFile(join(repo.path, 'osgit', 'locks', 'refs.lock'), { exclusive: true, timeoutMs: 0 }))!;
    const tx = await Transaction.begin(repo);
    const checksum = stageOne(tx, 'the commit the branch will point at');
    const ref = { remote: null, name: 'main' };
    const committing = tx.commit({ refs: [{ ref, expected: null, value: checksum }] });
    const moved = join(repo.path, 'objects', checksum.slice(0, 2), `${checksum.slice(2)}.dirmeta`);
    while (!existsSync(moved)) await sleep(5); // the objects are in place; the ref update waits
    expect(await exclusiveIsFree(repo)).toBe(false);
    expect(await readRef(repo, ref)).toBeNull();
    await refsLock.release();
    await committing;
    expect(await readRef(repo, ref)).toBe(checksum);
    expect(await exclusiveIsFree(repo)).toBe(true);
  });

  it('fails commit() with REF_CONFLICT when a ref it moves is not at the expected value, and cleans up', async () => {
    const repo = await Repo.init(tmp.path('conflict', 'repo'), { mode: 'archive' });
    const tx = await Transaction.begin(repo);
    const checksum = stageOne(tx, 'conflicting');
    const ref = { remote: null, name: 'main' };
    await expect(tx.commit({ refs: [{ ref, expected: '0'.repeat(64), value: checksum }] })).rejects.toMatchObject({ code: 'REF_CONFLICT' });
    expect(await readRef(repo, ref)).toBeNull();
    expect(stagingOf(repo)).toEqual([]);
    expect(await exclusiveIsFree(repo)).toBe(true);
  });

  it('begin() removes staging folders whose lock is free, and keeps one a live transaction holds', async () => {
    const repo = await Repo.init(tmp.path('stale', 'repo'), { mode: 'archive' });
    const live = await Transaction.begin(repo);
    stageOne(live, 'live');
    const tmpDir = join(repo.path, 'tmp');
    // Left by a killed transaction: the folder and its (now unlocked) lock file.
    mkdirSync(join(tmpDir, 'osgit-staging-0123456789abcdef', 'ab'), { recursive: true });
    writeFileSync(join(tmpDir, 'osgit-staging-0123456789abcdef', 'ab', 'half-written'), 'x');
    writeFileSync(join(tmpDir, 'osgit-staging-0123456789abcdef.lock'), '');
    // Left by an older osgit that named folders after its pid and had no lock file.
    mkdirSync(join(tmpDir, 'osgit-staging-1-cafe'));
    // A lock file whose folder was never made (killed between the two).
    writeFileSync(join(tmpDir, 'osgit-staging-fedcba9876543210.lock'), '');
    const next = await Transaction.begin(repo);
    const liveNames = [live.dir, `${live.dir}.lock`, next.dir, `${next.dir}.lock`].map((p) => p.slice(tmpDir.length + 1)).sort();
    expect(stagingOf(repo)).toEqual(liveNames);
    await next.abort();
    await live.abort();
    expect(stagingOf(repo)).toEqual([]);
  });
});
