import type { Repo } from '../repo/repo.js';
import { removeTree } from './bisect-checkout.js';
import { readBisectState, removeBisectState, withBisectLock } from './bisect-state.js';

export interface BisectResetResult {
  /** false when no bisection was in progress (as git, that is not an error) */
  reset: boolean;
  /** the `--checkout` folder that was removed, if any */
  removedCheckout: string | null;
}

/**
 * Ends the bisection: removes its state and the `--checkout` folder it made. A state file that
 * cannot be read is removed too (reset is the way out of a damaged state).
 */
export async function bisectReset(repo: Repo): Promise<BisectResetResult> {
  const present = await readBisectState(repo).then((st) => st !== null, () => true);
  if (!present) return { reset: false, removedCheckout: null };
  return withBisectLock(repo, () => reset(repo));
}

async function reset(repo: Repo): Promise<BisectResetResult> {
  let checkout: string | null = null;
  try {
    checkout = (await readBisectState(repo))?.checkout ?? null;
  } catch {
    // damaged: nothing to learn from it, drop it below
  }
  if (checkout) await removeTree(checkout);
  const reset = await removeBisectState(repo);
  return { reset, removedCheckout: checkout };
}

