import type { Checksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import type { Repo } from '../repo/repo.js';
import { revParse } from '../inspect/rev-parse.js';
import { requireBisectState, type BisectState } from './bisect-state.js';
import { advanceBisect, subjectOf, type AdvanceOptions, type BisectStep } from './bisect-step.js';
import { checkGoodsBelowBad } from './bisect-start.js';

export type BisectVerdict = 'good' | 'bad' | 'skip';

export interface BisectMarkOptions extends AdvanceOptions {
  verdict: BisectVerdict;
  /** the revision to mark; default: the commit under test */
  rev?: string;
}

/**
 * Marks a commit good, bad or skipped (`osgit bisect good|bad|skip [REV]`) and names the next
 * commit to test, or the answer. Refuses, changing nothing, when no bisection is in progress,
 * no REV is given and no commit is under test, the revision is unknown, or the mark would put
 * a good commit outside the bad one's history.
 */
export async function bisectMark(repo: Repo, opts: BisectMarkOptions): Promise<BisectStep> {
  const state = await requireBisectState(repo);
  const commit = opts.rev === undefined ? currentOf(state, opts.verdict) : await revParse(repo, opts.rev);
  return (await markCommit(repo, state, commit, opts.verdict, opts)).step;
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
    await checkGoodsBelowBad(repo, commit, state.goods);
    next.bad = commit;
  } else if (!next.skips.includes(commit)) {
    next.skips.push(commit);
  }
  next.log = [...state.log, `# ${verdict}: [${commit}] ${await subjectOf(repo, commit)}`, `osgit bisect ${verdict} ${commit}`];
  return advanceBisect(repo, next, opts);
}

function currentOf(state: BisectState, verdict: BisectVerdict): Checksum {
  if (state.current) return state.current;
  throw new StoreError(
    'BISECT_STATE',
    `no commit is under test (${state.goods.length === 0 ? 'no good commit is known yet' : 'the bisection has ended'}): name the commit, \`osgit bisect ${verdict} REV\``,
    { reason: 'no-current' },
  );
}
