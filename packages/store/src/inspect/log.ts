import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { StoreError } from '../errors.js';
import { metadataValue, type Commit } from '../objects/commit.js';
import { sha256Hex, checksumToBytes } from '../checksum.js';
import { commitParents } from '../history/commit-parents.js';
import { CommitGraph } from '../history/commit-graph.js';
import { walkCommits } from '../history/walk-commits.js';
import { renderGraph, type GraphLine } from '../history/graph.js';

/** One commit as `log` and `show` present it. */
export interface CommitSummary {
  commit: Checksum;
  /** OSTree's parent (the first parent) */
  parent: Checksum | null;
  /** every parent: OSTree's, then the `osgit.merge-parents` of a merge commit */
  parents: Checksum[];
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
    parents: commitParents(c, commit),
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
  /** with `graph`: the lines of the ASCII graph, commit lines naming their commit */
  graph?: GraphLine[];
}

export interface LogOptions {
  maxCount?: number;
  /** draw the history graph (and list commits in its order: topological, a merged branch first) */
  graph?: boolean;
}

/**
 * The history of `start` (one commit or several, as `git log A B`) over every parent (OSTree's and `osgit.merge-parents`), newest first by
 * commit time as `git log`, or in `git log --graph` order with the graph drawn. For a linear
 * history this is `ostree log`'s list. A parent the repo does not have (a shallow pull) ends that
 * line and sets `truncated`. Read-only.
 */
export async function log(repo: Repo, start: Checksum | readonly Checksum[], opts: LogOptions = {}): Promise<LogResult> {
  const starts = typeof start === 'string' ? [start] : [...start];
  for (const s of starts) await repo.readCommit(s); // a missing or damaged start commit is that error
  const graph = new CommitGraph(repo);
  const max = opts.maxCount ?? Infinity;
  const nodes = [];
  let cut = false;
  for await (const node of walkCommits(repo, starts, { graph, order: opts.graph ? 'topo' : 'date' })) {
    if (nodes.length >= max) {
      cut = true;
      break;
    }
    nodes.push(node);
  }
  // As ostree log: "history beyond" is reported when the walk, not the count, ended at a missing parent.
  let truncated = false;
  if (!cut) {
    for (const n of nodes) {
      for (const p of n.parents) if (!(await graph.node(p))) truncated = true;
    }
  }
  const commits = nodes.map((n) => summarizeCommit(n.checksum, n.commit));
  if (!opts.graph) return { commits, truncated };
  const shown = (c: Checksum) => graph.peek(c) !== null;
  const lines = renderGraph(nodes.map((n) => ({ id: n.checksum, parents: n.parents.filter(shown) })));
  // With a count limit git stops drawing at the last commit shown.
  const lastIndex = lines.findLastIndex((l) => l.commit !== undefined);
  return { commits, truncated, graph: max === Infinity ? lines : lines.slice(0, lastIndex + 1) };
}
