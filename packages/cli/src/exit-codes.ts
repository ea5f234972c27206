import type { StoreErrorCode } from '@osgit/store';

/** One table from error code to process exit status (0 success, 1 anything unforeseen). */
const EXIT_CODES: Partial<Record<StoreErrorCode, number>> = {
  INVALID_ARGUMENT: 2,
  REV_INVALID: 2,
  REV_AMBIGUOUS: 2,
  REF_INVALID: 2,
  REF_NOT_FOUND: 2,
  PATH_NOT_FOUND: 2,
  REPO_NOT_FOUND: 3,
  REPO_EXISTS: 3,
  REPO_CONFIG: 3,
  OBJECT_CORRUPT: 4,
  OBJECT_MISSING: 4,
  UNSAFE_TREE: 4,
  UNSAFE_PATH: 4,
  FSCK_FAILED: 4,
  GVARIANT_NOT_NORMAL: 4,
  REPO_LOCKED: 5,
  REF_CONFLICT: 5,
  CHECKOUT_EXISTS: 6,
  CHECKOUT_FAILED: 6,
  COMMIT_INPUT: 6,
  NO_SPACE: 7,
};

export function exitCodeFor(code: string | undefined): number {
  return (code && EXIT_CODES[code as StoreErrorCode]) || 1;
}

/** What to try next, shown under the error line for the common mistakes. */
export const SUGGESTIONS: Partial<Record<StoreErrorCode, string>> = {
  REPO_NOT_FOUND: "create a repository with 'osgit init --repo PATH --mode archive', or point --repo / OSGIT_REPO at one",
  REV_INVALID: "list refs with 'osgit refs'",
  CHECKOUT_EXISTS: 'choose a folder that does not exist yet, or pass --union',
  REPO_LOCKED: 'another process (osgit or ostree) holds the repository lock; wait for it to finish, or raise [core] lock-timeout-secs',
  NO_SPACE: 'free space on that disk and run the command again',
};
