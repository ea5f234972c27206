import { StoreError } from '../errors.js';
import { type Checksum, isChecksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { acquireLock } from '../repo/lock.js';
import { listLooseObjects, type PrunableType } from './loose-objects.js';
import { type PruneRoot, ReachableSet, markRoots, markYoungerThan } from './mark.js';
import { deploymentRoots, refRoots } from './roots.js';
import { deleteCommit, tombstonesEnabled } from './delete-commit.js';
import { sweep } from './sweep.js';
import { pruneStaticDeltas } from './static-deltas.js';
import { cleanTmp } from './tmp-cleanup.js';

export interface PruneOptions {
  /** roots are the refs (and deployments) only, not every commit object; implied by keepYoungerThan */
  refsOnly?: boolean;
  /** parent steps to keep from each root, over every parent (shortest distance); -1 (default) = all */
  depth?: number;
  /** seconds since the epoch: keep each ref's tip, and its ancestors while their timestamp is at or after this */
  keepYoungerThan?: bigint;
  /** delete this commit first (refused if a ref points at it); turns core.tombstone-commits on, as ostree does */
  deleteCommit?: Checksum;
  /** report what would go; delete nothing (ostree's --no-prune) */
  dryRun?: boolean;
  /** run even though `[core] locking=false` leaves writers unexcluded */
  forceUnlocked?: boolean;
  onProgress?: (p: PruneProgress) => void;
  /** @internal test hook: awaited between the mark phase and the sweep, the exclusive lock held */
  afterMark?: () => Promise<void>;
}

export type PruneProgress =
  | { phase: 'mark'; commits: number; dirtrees: number }
  | { phase: 'sweep'; done: number; total: number };

export interface PruneResult {
  dryRun: boolean;
  refsOnly: boolean;
  depth: number;
  /** ISO date of --keep-younger-than, or null */
  keepYoungerThan: string | null;
  /** the commit --delete-commit deleted, or null */
  deletedCommit: Checksum | null;
  /** how many roots the mark phase started from (refs, deployments, or commit objects) */
  roots: number;
  /** loose objects counted, as ostree's "Total objects" */
  totalObjects: number;
  /** objects deleted (or that would be, dry run), as ostree's "Deleted N objects" */
  deletedObjects: number;
  deletedByType: Record<PrunableType, number>;
  /** bytes freed (st_size of the objects), as ostree's "B bytes freed" */
  freedBytes: number;
  /** commit objects deleted by the sweep */
  deletedCommits: Checksum[];
  /** unreachable objects kept because they were written after the mark phase began */
  spared: number;
  /** static deltas (`FROM-TO` or `TO`) removed because their TO commit is gone */
  staticDeltasRemoved: string[];
  /** entries of tmp/ removed (stale staging folders, expired files, caches of gone remotes) */
  tmpRemoved: string[];
}

/**
 * Garbage collection with ostree prune's semantics (reference/ostree-formats.md §6), except
 * that osgit's merge parents are part of the history walked. Holds the repository's EXCLUSIVE
 * lock (the one `ostree prune` takes) from before the mark phase to the end of the sweep, so
 * no writer of osgit or ostree (they hold it shared) runs meanwhile; and never deletes an object
 * changed after the mark phase began. A damaged ref or a missing dirtree of a complete commit
 * stops it before anything is deleted.
 */
export async function prune(repo: Repo, opts: PruneOptions = {}): Promise<PruneResult> {
  const depth = opts.depth ?? -1;
  if (!Number.isSafeInteger(depth) || depth < -1) {
    throw new StoreError('INVALID_ARGUMENT', `--depth must be -1 (all history) or a whole number of parent steps, not ${depth}`, { depth });
  }
  const dryRun = opts.dryRun === true;
  if (opts.deleteCommit !== undefined) {
    if (!isChecksum(opts.deleteCommit)) {
      throw new StoreError('INVALID_ARGUMENT', `--delete-commit needs a full commit checksum, not ${JSON.stringify(opts.deleteCommit)}`, { commit: opts.deleteCommit });
    }
    if (dryRun) throw new StoreError('INVALID_ARGUMENT', 'cannot give both --delete-commit and --dry-run (--no-prune), as ostree refuses', {});
  }
  const refsOnly = opts.refsOnly === true || opts.keepYoungerThan !== undefined;
  if (!repo.config.getBoolean('core', 'locking', true) && !opts.forceUnlocked) {
    throw new StoreError(
      'REPO_CONFIG',
      `the repository at ${repo.path} has [core] locking=false, so prune cannot keep writers out while it deletes; set locking=true, or pass --force-unlocked if nothing else writes to it`,
      { repo: repo.path },
    );
  }

  const lock = await acquireLock(repo.path, 'exclusive');
  try {
    const markStartMs = Date.now();
    const refs = await refRoots(repo, refsOnly ? depth : -1);
    let deletedCommit: Checksum | null = null;
    if (opts.deleteCommit !== undefined) {
      await deleteCommit(repo, opts.deleteCommit, refs);
      deletedCommit = opts.deleteCommit;
    }
    const objects = await listLooseObjects(repo.path, repo.mode);
    const deployments = await deploymentRoots(repo);
    const reachable = new ReachableSet(repo);
    const report = (): void => opts.onProgress?.({ phase: 'mark', commits: reachable.commits, dirtrees: reachable.dirtreesRead });
    let roots: PruneRoot[];
    if (opts.keepYoungerThan !== undefined) {
      await markYoungerThan(reachable, refs, opts.keepYoungerThan);
      await markRoots(reachable, deployments);
      roots = [...refs, ...deployments];
    } else {
      roots = refsOnly
        ? [...refs, ...deployments]
        : [...objects.filter((o) => o.type === 'commit').map((o): PruneRoot => ({ commit: o.checksum, depth, source: 'commit object' })), ...deployments];
      await markRoots(reachable, roots);
    }
    report();
    await opts.afterMark?.();
    const swept = await sweep(repo, objects, reachable, {
      dryRun,
      markStartMs,
      tombstones: await tombstonesEnabled(repo),
      onProgress: (done, total) => opts.onProgress?.({ phase: 'sweep', done, total }),
    });
    const staticDeltasRemoved = await pruneStaticDeltas(repo, { dryRun, gone: new Set(dryRun ? swept.deletedCommits : []) });
    const tmpRemoved = await cleanTmp(repo, { dryRun });
    const d = swept.deleted;
    return {
      dryRun,
      refsOnly,
      depth,
      keepYoungerThan: opts.keepYoungerThan !== undefined ? new Date(Number(opts.keepYoungerThan) * 1000).toISOString() : null,
      deletedCommit,
      roots: roots.length,
      totalObjects: objects.length,
      deletedObjects: d.commit + d.dirtree + d.dirmeta + d.file,
      deletedByType: d,
      freedBytes: swept.freedBytes,
      deletedCommits: swept.deletedCommits,
      spared: swept.spared,
      staticDeltasRemoved,
      tmpRemoved,
    };
  } finally {
    await lock.release();
  }
}
