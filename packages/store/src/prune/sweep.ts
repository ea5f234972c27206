import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { fsError } from '../fsio/fs-error.js';
import { forEachLimit } from '../fsio/for-each-limit.js';
import type { LooseObject, PrunableType } from './loose-objects.js';
import type { ReachableSet } from './mark.js';
import { deleteCommitObject } from './delete-commit.js';

export interface SweepOptions {
  dryRun: boolean;
  /**
   * When the mark phase began (ms since the epoch): an object whose ctime (which any write,
   * rename or chmod moves, mtime changes included) is not older is never deleted, whatever the
   * marks say. Belt and braces: the exclusive lock already keeps writers out.
   */
  markStartMs: number;
  tombstones: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface SweepResult {
  deleted: Record<PrunableType, number>;
  freedBytes: number;
  /** unreachable objects kept because they changed after the mark phase began */
  spared: number;
  deletedCommits: Checksum[];
}

/** The kernel stamps ctime from a clock that lags the real one by up to a tick. */
const CLOCK_TICK_MS = 20;
const PARALLEL_UNLINKS = 32;

/**
 * Deletes every listed object the mark phase did not reach (or, dry run, sizes them): commits
 * first, then dirtrees and dirmetas, then content, so that a prune cut short never leaves a
 * commit whose trees are gone. Sizes are the files' st_size, as ostree counts them.
 */
export async function sweep(repo: Repo, objects: readonly LooseObject[], reachable: ReachableSet, opts: SweepOptions): Promise<SweepResult> {
  const result: SweepResult = { deleted: { commit: 0, dirtree: 0, dirmeta: 0, file: 0 }, freedBytes: 0, spared: 0, deletedCommits: [] };
  const doomed = objects.filter((o) => !reachable.has(o.key));
  const rank: Record<PrunableType, number> = { commit: 0, dirtree: 1, dirmeta: 1, file: 2 };
  const waves: LooseObject[][] = [[], [], []];
  for (const o of doomed) waves[rank[o.type]]!.push(o);
  const objectsDir = join(repo.path, 'objects');
  const limit = opts.markStartMs - CLOCK_TICK_MS;
  let done = 0;
  for (const wave of waves) {
    await forEachLimit(wave, PARALLEL_UNLINKS, async (o) => {
      const path = join(objectsDir, o.rel);
      let st;
      try {
        st = await fs.lstat(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw fsError(err, { action: 'cannot stat', path });
      }
      if (st.ctimeMs >= limit || st.mtimeMs >= limit) {
        result.spared++;
        return;
      }
      if (!opts.dryRun) {
        if (o.type === 'commit') await deleteCommitObject(repo, o.checksum, { tombstone: opts.tombstones });
        else {
          try {
            await fs.unlink(path);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(err, { action: 'cannot delete', path });
          }
        }
      }
      if (o.type === 'commit') result.deletedCommits.push(o.checksum);
      result.deleted[o.type]++;
      result.freedBytes += st.size;
      if (++done % 1000 === 0) opts.onProgress?.(done, doomed.length);
    });
  }
  opts.onProgress?.(doomed.length, doomed.length);
  result.deletedCommits.sort();
  return result;
}
