import type { Checksum, Repo } from '@osgit/store';
import type { RemoteProtocol } from '../remotes/remote.js';
import type { RemoteVerification } from '../remotes/remote-trust.js';
import type { VerifiedSummary } from './verify-commits.js';
import type { ProgressSink } from './progress.js';

/** What a pull cannot run without. The same for the dumb and the smart protocol. */
export interface PullContext {
  repo: Repo;
  onProgress?: ProgressSink;
  /** aborts the pull: requests stop, verified objects are kept, no ref moves */
  signal?: AbortSignal;
}

export interface PullOptions {
  /** remote name in the repository config */
  remote: string;
  /** refs to pull; default: the remote's `branches=`, or with `mirror` every ref of the summary */
  refs?: readonly string[];
  /** parents to pull beyond each ref's commit: 0 (default) none, -1 all */
  depth?: number;
  /** write refs/heads/REF instead of refs/remotes/REMOTE/REF (and, pulling every ref, copy the summary) */
  mirror?: boolean;
  /** commits (and their detached metadata) only; the commits stay marked partial */
  commitMetadataOnly?: boolean;
  /** mirror hook: with `mirror` and every ref, return the summary in PullResult.mirrorSummary instead of writing it (mirrorPull writes it last) */
  deferMirrorSummary?: boolean;
  /** default: the remote's `osgit-protocol=`, else auto (probe /osgit/v1/capabilities, else dumb) */
  protocol?: RemoteProtocol;
  /** default: the remote's `osgit-stall-timeout-secs=`, else 30 */
  stallTimeoutSecs?: number;
  /** requests in flight in a dumb pull, one per connection (default 64) */
  connections?: number;
  /** retries of a transient failure (default 5) */
  retries?: number;
  /** first retry delay in ms (default 250; tests make it short) */
  retryDelayMs?: number;
  /** accept moving a ref to a commit older (by timestamp) than the one it holds (else DOWNGRADE) */
  allowDowngrade?: boolean;
}

/** What one pull verifies (from the remote's trust settings) and what it tolerates. */
export interface PullTrust {
  /** null: nothing is verified (binding and downgrade checks still apply) */
  verification: RemoteVerification | null;
  allowDowngrade: boolean;
  /** the remote's osgit-max-summary-age */
  maxSummaryAgeSecs?: number;
}

export interface PulledRef {
  /** the ref's name on the remote */
  ref: string;
  /** where it was written: `REMOTE:REF`, or `REF` with --mirror */
  localRef: string;
  commit: Checksum;
  /** what the local ref held before, null if it did not exist */
  old: Checksum | null;
}

export interface PullResult {
  remote: string;
  protocol: 'dumb' | 'smart';
  refs: PulledRef[];
  /** objects fetched and stored (not counting what the repository had) */
  objects: number;
  /** bytes received (object bytes; HTTP framing not counted) */
  bytes: number;
  /** HTTP requests made, retries included */
  requests: number;
  durationMs: number;
  /** what was verified before anything was written: commits checked against the remote's keys, whether the summary was, and the keys that signed; null when the remote has no keys */
  verified: VerifiedSummary | null;
  /** said on every pull that verifies no commit ("nothing was verified: remote R has no keys") */
  warnings: string[];
  /** with `deferMirrorSummary`: the summary (and signature) the refs were read from, verbatim, not written */
  mirrorSummary?: MirrorSummary;
}

/** A remote's summary and its signature as served (a mirror copies them verbatim). */
export interface MirrorSummary {
  summary: Buffer;
  summarySig: Buffer | null;
}
