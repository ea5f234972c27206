import type { Checksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import type { Repo } from '../repo/repo.js';
import { revParse } from '../inspect/rev-parse.js';
import { requireBisectState, withBisectLock, type BisectState } from './bisect-state.js';
import { advanceBisect, subjectOf, type AdvanceOptions, type BisectStep } from './bisect-step.js';
import { checkGoodsBelowBad } from './bisect-start.js';
import { CommitGraph } from './commit-graph.js';
import { isAncestorIn } from './merge-base.js';

export type BisectVerdict = 'good' | 'bad' | 'skip';

export interface BisectMarkOptions extends AdvanceOptions {
  verdict: BisectVerdict;
  /** the revision to mark; default: the commit under test */
  rev?: string;
}

/**
 * Marks a commit good, bad or skipped (`osgit bisect good|bad|skip [REV]`) and names the next
 * commit to test, or the answer. Refuses, changing nothing, when no bisection is in progress,
 * no REV is given and no commit is under test, the revision is unknown, a good commit is not
 * in the bad one's history, or a bad one is in a good one's history or above no good one.
 */
export async function bisectMark(repo: Repo, opts: BisectMarkOptions): Promise<BisectStep> {
  await requireBisectState(repo); // refused before start without creating the lock file
  return withBisectLock(repo, async () => {
    const state = await requireBisectState(repo);
    const commit = opts.rev === undefined ? currentOf(state, opts.verdict) : await revParse(repo, opts.rev);
    return (await markCommit(repo, state, commit, opts.verdict, opts)).step;
  });
}

/** Records `verdict` for `commit` in `state` (already read) and advances; shared with bisect run. */
export async function markCommit(
  repo: Repo, state: BisectState, commit: Checksum, verdict: BisectVerdict, opts: AdvanceOptions = {},
): Promise<{ state: BisectState; step: BisectStep }> {
  const next: BisectState = { ...state, goods: [...state.goods], skips: [...state.skips] };
  if (verdict === 'good') {
    await checkGoodsBelowBad(repo, state.bad, [commit]);
    if (!next.goods.includes(commit)) next.goods.push(commit);
  } else if (verdict === 'bad') {
    await checkNewBad(repo, commit, state.goods);
    next.bad = commit;
  } else if (!next.skips.includes(commit)) {
    next.skips.push(commit);
  }
  next.log = [...state.log, `# ${verdict}: [${commit}] ${await subjectOf(repo, commit)}`, `osgit bisect ${verdict} ${commit}`];
  return advanceBisect(repo, next, opts);
}

/**
 * A new bad commit must be above some good commit and below none: a good commit outside its
 * history only trims the search, as in git (a bisection across a merge marks commits on both
 * sides), but a bad commit in a good one's history contradicts the marks.
 */
async function checkNewBad(repo: Repo, bad: Checksum, goods: readonly Checksum[]): Promise<void> {
  const graph = new CommitGraph(repo);
  for (const g of goods) {
    if (await isAncestorIn(graph, bad, g)) {
      throw new StoreError('BISECT_STATE', `commit ${bad} cannot be bad: it is in the history of the good commit ${g}`, { reason: 'bad-below-good', bad, good: g });
    }
  }
  let above = goods.length === 0;
  for (const g of goods) if (!above && (await isAncestorIn(graph, g, bad))) above = true;
  if (!above) {
    throw new StoreError('BISECT_STATE', `commit ${bad} cannot be bad: no good commit is in its history`, { reason: 'good-not-ancestor', bad, goods: [...goods] });
  }
}

function currentOf(state: BisectState, verdict: BisectVerdict): Checksum {
  if (state.current) return state.current;
  throw new StoreError(
    'BISECT_STATE',
    `no commit is under test (${state.goods.length === 0 ? 'no good commit is known yet' : 'the bisection has ended'}): name the commit, \`osgit bisect ${verdict} REV\``,
    { reason: 'no-current' },
  );
}
