import { StoreError, type BisectStep } from '@osgit/store';

/** A bisect step for people, in git's words ("Bisecting: N revisions left to test after this …"). */
export function bisectStepLines(step: BisectStep): string[] {
  switch (step.status) {
    case 'testing':
      return [
        `Bisecting: ${step.remaining} ${step.remaining === 1 ? 'revision' : 'revisions'} left to test after this (roughly ${step.steps} ${step.steps === 1 ? 'step' : 'steps'})`,
        `[${step.commit}] ${step.subject}`,
        ...(step.checkout ? [`checked out at ${step.checkout}`] : []),
      ];
    case 'found':
      return [`${step.commit} is the first bad commit`, `    ${step.subject}`, ...(step.checkout ? [`checked out at ${step.checkout}`] : [])];
    case 'undecided':
      return [
        "There are only 'skip'ped commits left to test.",
        'The first bad commit could be any of:',
        ...step.candidates.map((c) => `${c.commit} ${c.subject}`),
        'We cannot bisect more!',
      ];
    case 'waiting':
      return ['status: waiting for good commit(s), bad commit known'];
  }
}

/**
 * An undecided bisection is reported as a failure after its result (exit status 2, as git's
 * `bisect run` then exits 2): a script must not take "could be any of these" for an answer.
 */
export function bisectFailure(step: BisectStep): StoreError | undefined {
  if (step.status !== 'undecided') return undefined;
  return new StoreError(
    'BISECT_STATE',
    `only skipped commits are left to test: the first bad commit could be any of ${step.candidates.length} commits`,
    { reason: 'undecided', candidates: step.candidates.map((c) => c.commit) },
  );
}
