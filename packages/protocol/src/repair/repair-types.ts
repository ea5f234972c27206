import type { Checksum, FsckProgress, FsckResult, ObjectType, Repo } from '@osgit/store';

/** What `repair` cannot run without. */
export interface RepairContext {
  repo: Repo;
  onProgress?: (p: RepairProgress) => void;
  /** stops the fetches: what was verified is kept, the rest reported unrepaired */
  signal?: AbortSignal;
}

export interface RepairOptions {
  /** remote to fetch from (a mirror of the origin does as well); default: the remote each affected ref tracks, else the only remote */
  remote?: string;
  /** requests in flight (default 16) */
  connections?: number;
  /** retries of a transient failure (default 5) */
  retries?: number;
  /** first retry delay in ms (default 250) */
  retryDelayMs?: number;
  /** default: the remote's osgit-stall-timeout-secs, else 30 */
  stallTimeoutSecs?: number;
}

export type RepairProgress =
  | ({ phase: 'fsck' | 'verify' } & FsckProgress)
  | { phase: 'fetch'; objects: number; bytes: number };

/** An object that was corrupt (its file is now in tmp/osgit-quarantine/) or missing, and is now stored again. */
export interface RepairedObject {
  checksum: Checksum;
  type: ObjectType;
  was: 'corrupt' | 'missing';
  /** the remote it came from */
  remote: string;
}

/** An object a commit needs that is still not there (or an unneeded damaged one that was only removed: never). */
export interface UnrepairedObject {
  checksum: Checksum;
  type: ObjectType;
  was: 'corrupt' | 'missing';
  /** the remote asked, null when there was none to ask */
  remote: string | null;
  /** OBJECT_MISSING (the remote lacks it, or there is no remote), BAD_OBJECT (the remote sent other bytes), or the transfer's error code */
  code: string;
  message: string;
}

export interface QuarantineEntry {
  checksum: Checksum;
  type: ObjectType | 'unknown';
  /** where its file went, relative to the repository */
  path: string;
}

export interface RepairResult {
  /** everything needed is there again and the final fsck is clean */
  ok: boolean;
  /** problems the first fsck found */
  problemsFound: number;
  /** corrupt object files moved out of objects/ (none is ever left there) */
  quarantined: QuarantineEntry[];
  repaired: RepairedObject[];
  unrepaired: UnrepairedObject[];
  /** refs whose history held a damaged commit, or that pointed at a missing commit */
  refsAffected: string[];
  /** commits made complete again (their partial marker removed) */
  commitsRepaired: Checksum[];
  /** commits left marked partial (OSTree's fsck reason "f"): a later pull or repair completes them */
  commitsPartial: Checksum[];
  /** the fsck after the repair */
  fsck: FsckResult;
}
