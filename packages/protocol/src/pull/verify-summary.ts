import { SUMMARY_TYPE, StoreError, gvariant } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { requireValidSignature, verifySignedBytes, type TrustedKeys } from '../trust/sign-api.js';

export interface SummaryCheck {
  remote: string;
  /** where the summary came from, for messages */
  url: string;
  /** key sets summary.sig must verify with, each on its own */
  keys: TrustedKeys[];
  /** osgit-max-summary-age */
  maxAgeSecs?: number;
  /** seconds since the epoch (tests pin it) */
  now?: number;
}

/**
 * Verifies a remote's summary before any ref is taken from it: summary.sig must exist and verify
 * over the raw summary bytes with each key set (SIGNATURE_MISSING, SIGNATURE_INVALID); then the
 * freeze-attack checks on the verified metadata: past `ostree.summary.expires` (t, big-endian,
 * as ostree writes it) is SUMMARY_STALE, and so is a `ostree.summary.last-modified` older than
 * the remote's maximum age (or none, when a maximum is set). Returns the keys that verified.
 */
export async function verifySummary(summary: Buffer | null, sig: Buffer | null, c: SummaryCheck): Promise<string[]> {
  const what = `the summary of remote ${c.remote} (${c.url})`;
  if (!summary) throw new StoreError('SIGNATURE_MISSING', `${what} is missing, and the remote verifies its summary`, { remote: c.remote, url: c.url });
  if (!sig) throw new StoreError('SIGNATURE_MISSING', `${what} has no summary.sig, and the remote verifies its summary`, { remote: c.remote, url: c.url });
  const keys: string[] = [];
  for (const set of c.keys) {
    const report = await verifySignedBytes(summary, sig, set);
    requireValidSignature(report, what, { remote: c.remote, url: c.url });
    for (const check of report.checks) if (check.valid && check.key !== '') keys.push(check.key);
  }
  checkFreshness(summary, c);
  return keys;
}

/** The freeze-attack checks (exported for unit tests): expiry, and the maximum age. */
export function checkFreshness(summary: Buffer, c: Pick<SummaryCheck, 'remote' | 'url' | 'maxAgeSecs' | 'now'>): void {
  const now = c.now ?? Math.floor(Date.now() / 1000);
  const meta = summaryMetadata(summary, c.url);
  const expires = timestamp(meta, 'ostree.summary.expires');
  if (expires !== null && now > expires) {
    throw new ProtocolError('SUMMARY_STALE', `the summary of remote ${c.remote} expired ${age(now - expires)} ago (ostree.summary.expires ${iso(expires)}): a mirror may be serving an old one`, {
      remote: c.remote, url: c.url, expires,
    });
  }
  if (c.maxAgeSecs === undefined) return;
  const modified = timestamp(meta, 'ostree.summary.last-modified');
  if (modified === null) {
    throw new ProtocolError('SUMMARY_STALE', `the summary of remote ${c.remote} has no ostree.summary.last-modified, so its age cannot be checked (the remote allows ${age(c.maxAgeSecs)})`, { remote: c.remote, url: c.url });
  }
  if (now - modified > c.maxAgeSecs) {
    throw new ProtocolError('SUMMARY_STALE', `summary is ${age(now - modified)} old, the remote allows ${age(c.maxAgeSecs)} (remote ${c.remote}, last modified ${iso(modified)})`, {
      remote: c.remote, url: c.url, lastModified: modified, ageSecs: now - modified, maxAgeSecs: c.maxAgeSecs,
    });
  }
}

function summaryMetadata(summary: Buffer, url: string): Array<[string, gvariant.GVariantBox]> {
  try {
    return (gvariant.deserialize(SUMMARY_TYPE, summary) as gvariant.GValue[])[1] as Array<[string, gvariant.GVariantBox]>;
  } catch (cause) {
    throw new ProtocolError('BAD_RESPONSE', `${url}: not a valid summary (${(cause as Error).message})`, { url }, { cause });
  }
}

/** A `t` stored big-endian (ostree's GUINT64_TO_BE), as seconds; null when absent or not a `t`. */
function timestamp(meta: Array<[string, gvariant.GVariantBox]>, key: string): number | null {
  const v = meta.find(([k]) => k === key)?.[1];
  if (!v || v.type !== 't') return null;
  return Number(gvariant.bswap64(v.value as bigint));
}

/** "3 days", "1 day", "5 hours", "12 minutes", "40 seconds": the largest whole unit. */
export function age(secs: number): string {
  const units: Array<[number, string]> = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  for (const [size, name] of units) {
    if (secs >= size || size === 1) {
      const n = Math.floor(secs / size);
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${secs} seconds`;
}

function iso(secs: number): string {
  return new Date(secs * 1000).toISOString().replace('.000Z', 'Z');
}
