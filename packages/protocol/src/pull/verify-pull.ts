import { type Checksum, type Repo, type Transaction, clearCommitPartial } from '@osgit/store';
import type { PullTrust } from './pull-types.js';
import type { GatedRef } from './verify-commits.js';
import { verifySummary } from './verify-summary.js';

/** wanted commit -> the refs a pull writes it under. */
export function gatedTargets(refs: ReadonlyArray<GatedRef & { commit: Checksum }>): Map<Checksum, GatedRef[]> {
  const out = new Map<Checksum, GatedRef[]>();
  for (const r of refs) {
    const list = out.get(r.commit) ?? [];
    list.push({ ref: r.ref, localRef: r.localRef, old: r.old });
    out.set(r.commit, list);
  }
  return out;
}

/** The summary check of a pull whose remote verifies its summary (else undefined), and what it found. */
export function summaryVerifier(trust: PullTrust | undefined, remote: string, url: string): { verify?: (summary: Buffer | null, sig: Buffer | null) => Promise<void>; keys: string[]; verified: () => boolean } {
  const keys: string[] = [];
  let done = false;
  const sets = trust?.verification?.summary;
  if (!sets) return { keys, verified: () => false };
  return {
    keys,
    verified: () => done,
    verify: async (summary, sig) => {
      keys.push(...(await verifySummary(summary, sig, { remote, url, keys: sets, ...(trust.maxSummaryAgeSecs !== undefined ? { maxAgeSecs: trust.maxSummaryAgeSecs } : {}) })));
      done = true;
    },
  };
}

/**
 * After a trust refusal: nothing the pull fetched is kept. The transaction aborts (its staged
 * objects are deleted, no ref moves), and the partial markers this pull made for commits that are
 * therefore absent go too. Objects already in objects/ before the pull stay as they were.
 */
export async function discardRefusedPull(repo: Repo, tx: Transaction, marked: readonly Checksum[]): Promise<void> {
  await tx.abort().catch(() => undefined);
  for (const c of marked) if (!repo.hasObjectSync(c, 'commit')) await clearCommitPartial(repo, c).catch(() => undefined);
}
