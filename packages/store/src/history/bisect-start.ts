import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import type { Checksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import type { Repo } from '../repo/repo.js';
import { revParse } from '../inspect/rev-parse.js';
import { goodsNotBelow } from './bisect-graph.js';
import { readBisectState, withBisectLock, type BisectState } from './bisect-state.js';
import { advanceBisect, shellWord, subjectOf, type AdvanceOptions, type BisectStep } from './bisect-step.js';

export interface BisectStartOptions extends AdvanceOptions {
  /** a revision known to be bad */
  bad: string;
  /** revisions known to be good (each an ancestor of `bad`); may be empty, then `good` follows */
  goods: readonly string[];
  /** keep a plain checkout (copies, user mode) of the commit under test at this new folder */
  checkout?: string;
}

/**
 * Starts a bisection between a bad commit and good ones, and names the first commit to test.
 * Refuses, changing nothing, when a bisection is already in progress, a revision is unknown,
 * a good commit is not an ancestor of the bad one (the range to search must be one history),
 * or the checkout folder exists.
 */
export async function bisectStart(repo: Repo, opts: BisectStartOptions): Promise<BisectStep> {
  return withBisectLock(repo, () => start(repo, opts));
}

async function start(repo: Repo, opts: BisectStartOptions): Promise<BisectStep> {
  if (await readBisectState(repo)) {
    throw new StoreError('BISECT_STATE', 'a bisection is already in progress: finish it or drop it with `osgit bisect reset`', { reason: 'in-progress' });
  }
  const bad = await revParse(repo, opts.bad);
  const goods: Checksum[] = [];
  for (const rev of opts.goods) {
    const c = await revParse(repo, rev);
    if (!goods.includes(c)) goods.push(c);
  }
  await checkGoodsBelowBad(repo, bad, goods);
  const dir = opts.checkout === undefined ? null : resolve(opts.checkout);
  if (dir !== null && (await exists(dir))) {
    throw new StoreError('CHECKOUT_EXISTS', `${dir} already exists: bisect --checkout needs a folder it can create and replace`, { path: dir });
  }
  const log: string[] = [`# bad: [${bad}] ${await subjectOf(repo, bad)}`];
  for (const g of goods) log.push(`# good: [${g}] ${await subjectOf(repo, g)}`);
  log.push(['osgit bisect start', ...(dir ? ['--checkout', shellWord(dir)] : []), bad, ...goods].join(' '));
  const state: BisectState = { version: 1, bad, goods, skips: [], current: null, checkout: dir, log };
  return (await advanceBisect(repo, state, opts)).step;
}

/**
 * BISECT_STATE unless every good commit is an ancestor of the bad one. git would then test a
 * merge base first ("merge base must be tested"); osgit asks for a good commit on the bad one's
 * history instead, which says plainly what to give.
 */
export async function checkGoodsBelowBad(repo: Repo, bad: Checksum, goods: readonly Checksum[]): Promise<void> {
  if (goods.includes(bad)) {
    throw new StoreError('BISECT_STATE', `commit ${bad} cannot be both good and bad`, { reason: 'good-is-bad', commit: bad });
  }
  const outside = await goodsNotBelow(repo, bad, goods);
  if (outside.length > 0) {
    throw new StoreError(
      'BISECT_STATE',
      `good commit ${outside[0]} is not an ancestor of the bad commit ${bad}: bisect searches one history, so mark as good a commit of the bad commit's history (their merge base, for instance)`,
      { reason: 'good-not-ancestor', bad, goods: outside },
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
