import type { StoreErrorCode } from '@osgit/store';
import type { ProtocolErrorCode } from '@osgit/protocol';
import type { CliErrorCode } from './errors.js';

export type ErrorCode = StoreErrorCode | CliErrorCode | ProtocolErrorCode;

/**
 * One table from every error code, the store's and the CLI's, to the process exit status
 * documented in the README: 2 usage, 3 repository, 4 corrupt data, 5 locked or conflict,
 * 6 checkout or commit input, 7 no space, 8 remote or network, 9 refused by the server
 * (authentication, permission, rejected push), 10 refused by trust (a signature missing or
 * invalid, a ref binding, a downgrade, a stale summary); 1 anything unforeseen. A Record, not a Partial: a new
 * code does not compile until it has its place here.
 */
const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  USAGE: 2,
  UNKNOWN_COMMAND: 2,
  INVALID_ARGUMENT: 2,
  REV_INVALID: 2,
  REV_AMBIGUOUS: 2,
  REF_INVALID: 2,
  REF_NOT_FOUND: 2,
  PATH_NOT_FOUND: 2,
  REPO_NOT_FOUND: 3,
  REPO_EXISTS: 3,
  REPO_CONFIG: 3,
  PERMISSION_DENIED: 3,
  OBJECT_CORRUPT: 4,
  REF_CORRUPT: 4,
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
  REMOTE_NOT_FOUND: 2,
  REMOTE_EXISTS: 2,
  REMOTE_INVALID: 2,
  REMOTE_REF_NOT_FOUND: 2,
  SMART_UNAVAILABLE: 2,
  TOKEN_INVALID: 2,
  NETWORK: 8,
  STALLED: 8,
  HTTP_STATUS: 8,
  BAD_OBJECT: 8,
  BAD_RESPONSE: 8,
  UNAUTHORIZED: 9,
  FORBIDDEN: 9,
  PUSH_REJECTED: 9,
  TOO_LARGE: 9,
  PUSH_CONFLICT: 5,
  MERGE_CONFLICT: 5,
  LOCAL_CHANGES: 5,
  MERGE_IN_PROGRESS: 5,
  UNRELATED_HISTORIES: 2,
  NOT_A_WORKTREE: 2,
  NO_MERGE_IN_PROGRESS: 2,
  BRANCH_EXISTS: 2,
  BRANCH_NOT_MERGED: 2,
  BISECT_STATE: 2,
  NOTHING_TO_COMMIT: 2,
  WORKTREE_EXISTS: 6,
  WORKTREE_BRANCH_GONE: 3,
  KEY_INVALID: 2,
  // Trust: what arrived is not what the keys vouch for.
  SIGNATURE_MISSING: 10,
  SIGNATURE_INVALID: 10,
  REF_BINDING: 10,
  DOWNGRADE: 10,
  SUMMARY_STALE: 10,
  // Values a caller built wrongly, a failing disk, a bug: nothing the user typed or the data.
  GVARIANT_BAD_TYPE: 1,
  GVARIANT_BAD_VALUE: 1,
  NATIVE_MISSING: 1,
  IO: 1,
  INTERNAL: 1,
};

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODES[code] ?? 1;
}

/** What to try next, shown under the error line for the common mistakes. */
export const SUGGESTIONS: Partial<Record<ErrorCode, string>> = {
  REPO_NOT_FOUND: "create a repository with 'osgit init --repo PATH --mode archive', or point --repo / OSGIT_REPO at one",
  REV_INVALID: "list refs with 'osgit refs'",
  CHECKOUT_EXISTS: 'choose a folder that does not exist yet, or pass --union',
  REPO_LOCKED: 'another process (osgit or ostree) holds the repository lock; wait for it to finish, or raise [core] lock-timeout-secs',
  NO_SPACE: 'free space on that disk and run the command again',
  PERMISSION_DENIED: 'run as a user who may read and write the repository, or check its permissions',
  USAGE: "see 'osgit COMMAND --help'",
  UNKNOWN_COMMAND: "see 'osgit --help'",
};
