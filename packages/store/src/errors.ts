/**
 * Typed errors of @osgit/store. Every error carries a stable `code` (tests and the CLI's
 * exit-code table key on it), the data needed to act on it, and its `cause`.
 */
export type StoreErrorCode =
  | 'GVARIANT_BAD_TYPE' // a type string that is not a valid GVariant type
  | 'GVARIANT_NOT_NORMAL' // bytes that are not normal-form GVariant of the expected type
  | 'GVARIANT_BAD_VALUE' // a JS value that does not fit the type being serialized
  | 'OBJECT_CORRUPT' // an object whose checksum or structure is wrong
  | 'OBJECT_MISSING' // an object the operation needs is not in the repo
  | 'UNSAFE_TREE' // a tree that names '', '.', '..', contains '/', duplicates or is unsorted
  | 'UNSAFE_PATH' // a write would leave the target folder
  | 'REPO_NOT_FOUND'
  | 'REPO_EXISTS'
  | 'REPO_CONFIG'
  | 'REPO_LOCKED'
  | 'REF_INVALID' // a ref or remote name that is not allowed (what the caller typed)
  | 'REF_CORRUPT' // a ref file that exists but does not hold a checksum (damaged data)
  | 'REF_NOT_FOUND'
  | 'REF_CONFLICT' // compare-and-swap lost: the ref moved under us
  | 'REV_INVALID'
  | 'REV_AMBIGUOUS'
  | 'CHECKOUT_EXISTS'
  | 'CHECKOUT_FAILED'
  | 'COMMIT_INPUT' // the tree to commit holds something that cannot be committed
  | 'PATH_NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'FSCK_FAILED'
  | 'NO_SPACE' // the disk filled up; the operation was rolled back
  | 'NATIVE_MISSING' // the store's native addon (locks, syncfs) is not built
  | 'PERMISSION_DENIED' // the repository (or a path in it) cannot be read or written by this user
  | 'MERGE_CONFLICT' // a merge (or cherry-pick, revert, switch) left paths that need a person (data: conflicts)
  | 'UNRELATED_HISTORIES' // the two commits share no ancestor and --allow-unrelated-histories was not given
  | 'NOT_A_WORKTREE' // the command needs a worktree and the folder is not in one
  | 'WORKTREE_EXISTS' // a worktree already uses that folder or that branch
  | 'WORKTREE_BRANCH_GONE' // the worktree's branch was deleted (data: branch, worktree)
  | 'LOCAL_CHANGES' // uncommitted changes would be overwritten (data: paths); nothing was changed
  | 'MERGE_IN_PROGRESS' // a merge/cherry-pick/revert awaits --continue or --abort
  | 'NO_MERGE_IN_PROGRESS' // --continue or --abort with nothing to continue
  | 'BRANCH_EXISTS'
  | 'BRANCH_NOT_MERGED' // deleting a branch whose commits no other branch or tag holds (use --force)
  | 'BISECT_STATE' // a bisect command that does not fit the bisect state (none started, no good yet...)
  | 'NOTHING_TO_COMMIT' // a worktree commit with no change (use --allow-empty)
  | 'KEY_INVALID' // a signing or verification key (file) that cannot be read or parsed
  | 'SIGNATURE_MISSING' // a commit or summary that must be signed carries no signature of a trusted kind
  | 'SIGNATURE_INVALID' // signatures present, but none verifies with a trusted key (tampered data, wrong key)
  | 'IO'; // any other file-system failure (data: path, errno, syscall)

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: StoreErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
    this.data = data;
  }
}

/** True when `err` is a StoreError with the given code (or any StoreError when no code is given). */
export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
