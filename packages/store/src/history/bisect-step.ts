import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import type { CheckoutProgress } from '../checkout/checkout.js';
import { chooseBisectCommit } from './bisect-next.js';
import { loadBisectGraph } from './bisect-graph.js';
import { replaceBisectCheckout } from './bisect-checkout.js';
import { type BisectState, writeBisectState } from './bisect-state.js';

export interface BisectCommitRef {
  commit: Checksum;
  subject: string;
}

/** Where a bisection stands after a command: what to test next, or its answer. */
export type BisectStep =
  /** test `commit`; `remaining`/`steps` as git's "Bisecting: N revisions left to test after this (roughly K steps)" */
  | { status: 'testing'; commit: Checksum; subject: string; remaining: number; steps: number; candidates: number; checkout: string | null }
  /** the first bad commit */
  | { status: 'found'; commit: Checksum; subject: string; checkout: string | null }
  /** only skipped commits are left: the first bad commit is one of `candidates` */
  | { status: 'undecided'; candidates: BisectCommitRef[] }
  /** no good commit known yet */
  | { status: 'waiting'; bad: Checksum };

export interface AdvanceOptions {
  onCheckoutProgress?: (p: CheckoutProgress) => void;
}

/**
 * Computes the next step from the marks in `state`, records it (the commit under test, or the
 * answer in the log), refreshes the `--checkout` folder, then writes the state atomically. The
 * checkout comes first: if it fails, the state on disk is still the previous one.
 */
export async function advanceBisect(repo: Repo, state: BisectState, opts: AdvanceOptions = {}): Promise<{ state: BisectState; step: BisectStep }> {
  const { step, logLines } = await nextStep(repo, state);
  const current = step.status === 'testing' ? step.commit : null;
  const next: BisectState = { ...state, current, log: [...state.log, ...logLines] };
  const shown = step.status === 'testing' || step.status === 'found' ? step.commit : null;
  if (state.checkout && shown) await replaceBisectCheckout(repo, shown, state.checkout, opts.onCheckoutProgress);
  await writeBisectState(repo, next);
  return { state: next, step };
}

/** The step the marks in `state` lead to, with the log lines an answer adds (none for a test). */
export async function nextStep(repo: Repo, state: BisectState): Promise<{ step: BisectStep; logLines: string[] }> {
  if (state.goods.length === 0) return { step: { status: 'waiting', bad: state.bad }, logLines: [] };
  const graph = await loadBisectGraph(repo, state.bad, state.goods);
  const choice = chooseBisectCommit(graph, new Set(state.skips));
  switch (choice.kind) {
    case 'test':
      return {
        step: {
          status: 'testing', commit: choice.commit, subject: await subjectOf(repo, choice.commit),
          remaining: choice.remaining, steps: choice.steps, candidates: choice.candidates, checkout: state.checkout,
        },
        logLines: [],
      };
    case 'found': {
      const subject = await subjectOf(repo, choice.commit);
      return {
        step: { status: 'found', commit: choice.commit, subject, checkout: state.checkout },
        logLines: [`# first bad commit: [${choice.commit}] ${subject}`],
      };
    }
    case 'undecided': {
      // git lists the bad commit first, then the skipped ones; newest first reads the same way.
      const ordered = [...choice.candidates].reverse();
      const candidates = await Promise.all(ordered.map(async (commit) => ({ commit, subject: await subjectOf(repo, commit) })));
      return {
        step: { status: 'undecided', candidates },
        logLines: ['# only skipped commits left to test', ...candidates.map((c) => `# possible first bad commit: [${c.commit}] ${c.subject}`)],
      };
    }
  }
}

export async function subjectOf(repo: Repo, commit: Checksum): Promise<string> {
  return (await repo.readCommit(commit)).subject;
}

/** A word for a replayable log line, quoted for a POSIX shell when it needs to be. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
