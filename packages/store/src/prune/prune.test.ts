// The store side of prune: the belt-and-braces guard (an object changed after the mark phase
// began is never deleted), and the lock it holds from mark to sweep. The semantics against the
// real ostree are in test/prune-ostree.test.ts.
import { chmodSync, existsSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { commitFiles } from '../../../../test/helpers/store-fixtures.js';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { Repo } from '../repo/repo.js';
import { acquireLock } from '../repo/lock.js';
import { updateRef } from '../refs/refs.js';
import { prune } from './prune.js';

const tmp = tempDirs('prune-unit');
afterAll(() => tmp.cleanup());

/** A repo with `main` and a commit whose branch was deleted (its commit, tree and file are garbage). */
async function repoWithGarbage(): Promise<{ repo: Repo; garbage: string }> {
  const repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
  await commitFiles(repo, tmp.make('t1'), { keep: 'kept\n' }, { branch: 'main', timestamp: 1000n });
  const garbage = await commitFiles(repo, tmp.make('t2'), { gone: 'garbage\n' }, { branch: 'old', timestamp: 2000n });
  await updateRef(repo, { ref: { remote: null, name: 'old' }, expected: garbage, value: null });
  // Prune spares what changed within a clock tick of its mark phase: let the fixture age past it.
  await new Promise((r) => setTimeout(r, 100));
  return { repo, garbage };
}

describe('prune', () => {
  it('spares an unreachable object that changed after the mark phase began', async () => {
    const { repo, garbage } = await repoWithGarbage();
    const path = repo.objectPath(garbage, 'commit');
    const result = await prune(repo, {
      refsOnly: true,
      afterMark: async () => {
        // Any change of the inode (a rewrite, a rename into objects/, a chmod) moves its ctime.
        await new Promise((r) => setTimeout(r, 50));
        chmodSync(path, statSync(path).mode);
      },
    });
    expect(result.spared).toBe(1);
    expect(existsSync(path)).toBe(true);
    expect(result.deletedCommits).toEqual([]);
    expect(result.deletedObjects).toBeGreaterThan(0); // its tree and file went
  });

  it('holds the exclusive lock from the mark phase to the end of the sweep', async () => {
    const { repo } = await repoWithGarbage();
    let tried: string | null = null;
    await prune(repo, {
      refsOnly: true,
      afterMark: async () => {
        tried = await acquireLock(repo.path, 'shared', { timeoutMs: 0 }).then(
          async (l) => {
            await l.release();
            return 'taken';
          },
          (err: { code?: string }) => err.code ?? 'error',
        );
      },
    });
    expect(tried).toBe('REPO_LOCKED');
    // Released afterwards.
    await (await acquireLock(repo.path, 'exclusive', { timeoutMs: 0 })).release();
  });

  it('reports what a dry run would delete and deletes nothing', async () => {
    const { repo, garbage } = await repoWithGarbage();
    const dry = await prune(repo, { refsOnly: true, dryRun: true });
    expect(dry.deletedCommits).toEqual([garbage]);
    expect(dry.deletedByType).toEqual({ commit: 1, dirtree: 1, dirmeta: 0, file: 1 });
    expect(existsSync(repo.objectPath(garbage, 'commit'))).toBe(true);
    const real = await prune(repo, { refsOnly: true });
    expect(real.deletedObjects).toBe(dry.deletedObjects);
    expect(real.freedBytes).toBe(dry.freedBytes);
    expect(existsSync(repo.objectPath(garbage, 'commit'))).toBe(false);
  });
});
