import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { StoreError } from '../errors.js';
import { metadataValue, type Commit } from '../objects/commit.js';
import { sha256Hex, checksumToBytes } from '../checksum.js';

/** One commit as `log` and `show` present it. */
export interface CommitSummary {
  commit: Checksum;
  parent: Checksum | null;
  contentChecksum: Checksum;
  /** seconds since the epoch (signed); a decimal string past ±2^53, where a JSON number would round it */
  timestamp: number | string;
  /** ISO 8601 UTC, or null outside the years 1-9999, which `ostree log` cannot print either */
  date: string | null;
  subject: string;
  body: string;
  version: string | null;
  metadata: Record<string, unknown>;
}

export function summarizeCommit(commit: Checksum, c: Commit): CommitSummary {
  const version = metadataValue(c.metadata, 'version');
  return {
    commit,
    parent: c.parent,
    // ContentChecksum as `ostree show` prints it: SHA-256 of root dirtree ‖ root dirmeta (§2.1).
    contentChecksum: sha256Hex(checksumToBytes(c.rootTree), checksumToBytes(c.rootMeta)),
    timestamp: jsonInteger(c.timestamp),
    date: commitDate(c.timestamp),
    subject: c.subject,
    body: c.body,
    version: version && typeof version.value === 'string' ? version.value : null,
    metadata: Object.fromEntries(c.metadata.map(([k, v]) => [k, jsonValue(v.value)])),
  };
}

/** GDateTime's range, all that `ostree log` prints: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
const FIRST_SECOND = -62135596800n;
const LAST_SECOND = 253402300799n;

/** A commit time as ISO 8601 UTC (`1969-07-20T20:17:40Z`), or null when no calendar date can name it. */
export function commitDate(seconds: bigint): string | null {
  if (seconds < FIRST_SECOND || seconds > LAST_SECOND) return null;
  return new Date(Number(seconds) * 1000).toISOString().replace('.000Z', 'Z');
}

function jsonInteger(n: bigint): number | string {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

/** A GVariant value in plain JSON (byte arrays as hex). */
export function jsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'bigint') return jsonInteger(v);
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v && typeof v === 'object' && 'type' in v && 'value' in v) return jsonValue((v as { value: unknown }).value);
  return v;
}

export interface LogResult {
  commits: CommitSummary[];
  /** true when history continues past a parent the repo does not have */
  truncated: boolean;
}

/** Walks first parents from `start`, newest first; stops at a missing parent (a shallow pull). */
export async function log(repo: Repo, start: Checksum, opts: { maxCount?: number } = {}): Promise<LogResult> {
  const commits: CommitSummary[] = [];
  let next: Checksum | null = start;
  const max = opts.maxCount ?? Infinity;
  while (next && commits.length < max) {
    let c: Commit;
    try {
      c = await repo.readCommit(next);
    } catch (err) {
      if (err instanceof StoreError && err.code === 'OBJECT_MISSING' && commits.length > 0) return { commits, truncated: true };
      throw err;
    }
    commits.push(summarizeCommit(next, c));
    next = c.parent;
  }
  return { commits, truncated: false };
}
