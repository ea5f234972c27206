import type { Checksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import type { Repo } from '../repo/repo.js';
import { temporaryBisectCheckout } from './bisect-checkout.js';
import { markCommit, type BisectVerdict } from './bisect-mark.js';
import { requireBisectState, withBisectLock, type BisectState } from './bisect-state.js';
import { nextStep, type AdvanceOptions, type BisectStep } from './bisect-step.js';

/** How a test process ended: its exit code, or the signal that killed it. */
export interface BisectTestExit {
  code: number | null;
  signal: string | null;
}

/** What a test says about a commit: a verdict, or an exit status read with git's convention. */
export type BisectTestOutcome = BisectVerdict | BisectTestExit;

export type BisectTestingStep = Extract<BisectStep, { status: 'testing' }>;

export interface BisectTested {
  commit: Checksum;
  subject: string;
  verdict: BisectVerdict;
  /** the test's exit code, when it answered with one */
  exitCode: number | null;
}

export interface BisectRunOptions extends AdvanceOptions {
  /** tests the commit checked out at `checkoutPath` (a fresh copy, removed afterwards) */
  test: (checkoutPath: string, commit: Checksum) => Promise<BisectTestOutcome>;
  /** called before each test, with the commit about to be tested */
  onTest?: (step: BisectTestingStep) => void;
  /** called after each test with its verdict */
  onTested?: (tested: BisectTested) => void;
}

export interface BisectRunResult {
  /** the answer: `found` or `undecided` */
  step: BisectStep;
  tested: BisectTested[];
}

/**
 * Drives the bisection in progress to its answer (`osgit bisect run`): checks each commit to
 * test out into a new folder under the repository's tmp/ (copies, user mode), asks `test`,
 * removes the folder, marks the commit and goes on. Exit codes follow git: 0 good, 125 skip,
 * 1-127 bad; 128 or more, or a signal, stops the run with BISECT_STATE. As git, a first answer
 * of 126 or 127 (a command that cannot run) is checked against a good commit: the same code
 * there stops the run ("bogus exit code"). Every mark is saved as it is made, so a stopped run
 * leaves the bisection where it was, for `log`, manual marks or another run.
 */
export async function bisectRun(repo: Repo, opts: BisectRunOptions): Promise<BisectRunResult> {
  await requireBisectState(repo); // refused before start without creating the lock file
  return withBisectLock(repo, () => run(repo, opts));
}

async function run(repo: Repo, opts: BisectRunOptions): Promise<BisectRunResult> {
  let state = await requireBisectState(repo);
  let step = (await nextStep(repo, state)).step;
  if (step.status === 'waiting') {
    throw new StoreError('BISECT_STATE', 'bisect run needs a good commit: mark one with `osgit bisect good REV`', { reason: 'no-good' });
  }
  const tested: BisectTested[] = [];
  let first = true;
  while (step.status === 'testing') {
    opts.onTest?.(step);
    const outcome = await testCommit(repo, step.commit, opts);
    const verdict = verdictOf(outcome, step.commit);
    const exitCode = typeof outcome === 'string' ? null : outcome.code;
    if (first && (exitCode === 126 || exitCode === 127)) await checkOnGood(repo, state, exitCode, opts);
    first = false;
    const done: BisectTested = { commit: step.commit, subject: step.subject, verdict, exitCode };
    tested.push(done);
    opts.onTested?.(done);
    ({ state, step } = await markCommit(repo, state, step.commit, verdict, opts));
  }
  return { step, tested };
}

async function testCommit(repo: Repo, commit: Checksum, opts: BisectRunOptions): Promise<BisectTestOutcome> {
  const tree = await temporaryBisectCheckout(repo, commit, opts.onCheckoutProgress);
  try {
    return await opts.test(tree.path, commit);
  } finally {
    await tree.remove();
  }
}

/** git's convention: 0 good, 125 skip, 1-127 bad; anything else cannot be read as a verdict. */
export function verdictOf(outcome: BisectTestOutcome, commit: Checksum): BisectVerdict {
  if (typeof outcome === 'string') return outcome;
  const { code, signal } = outcome;
  if (signal !== null || code === null) {
    throw new StoreError('BISECT_STATE', `bisect run stopped: the test was killed by ${signal ?? 'a signal'} on commit ${commit}`, {
      reason: 'test-failed', commit, exitCode: code, signal,
    });
  }
  if (code === 0) return 'good';
  if (code === 125) return 'skip';
  if (code > 0 && code < 128) return 'bad';
  throw new StoreError('BISECT_STATE', `bisect run stopped: exit code ${code} from the test on commit ${commit} is < 0 or >= 128`, {
    reason: 'test-failed', commit, exitCode: code, signal,
  });
}

/**
 * 126 and 127 are what a shell answers when the command cannot be run at all. As git's
 * verify_good, run the test on a good commit: if it answers the same there, it never tested
 * anything, and marking commits bad from it would name a wrong first bad commit.
 */
async function checkOnGood(repo: Repo, state: BisectState, code: number, opts: BisectRunOptions): Promise<void> {
  const good = state.goods[0]!;
  const outcome = await testCommit(repo, good, opts);
  const goodCode = typeof outcome === 'string' ? (outcome === 'good' ? 0 : outcome === 'skip' ? 125 : 1) : outcome.code;
  if (typeof outcome !== 'string' && (outcome.signal !== null || goodCode === null || goodCode < 0 || goodCode >= 128)) {
    throw new StoreError('BISECT_STATE', `bisect run stopped: unable to verify the test on the good commit ${good}`, {
      reason: 'test-failed', commit: good, exitCode: goodCode, signal: outcome.signal,
    });
  }
  if (goodCode === code) {
    throw new StoreError(
      'BISECT_STATE',
      `bisect run stopped: bogus exit code ${code} for the good commit ${good} (${code === 127 ? 'command not found' : 'command not executable'}?)`,
      { reason: 'test-failed', commit: good, exitCode: code, signal: null },
    );
  }
}
