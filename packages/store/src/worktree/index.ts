// `@osgit/store/worktree`: what reading a worktree needs (finding it, its status), without the
// rest of the store. `osgit status` runs on every prompt in some shells: its fast path
// (packages/cli/src/fast/status.ts) imports this entry only, so it loads a fraction of the store.
// Making, removing and committing worktrees are in the package index (they load the rest lazily).
export { StoreError, isStoreError, type StoreErrorCode } from '../errors.js';
export { fsError } from '../fsio/fs-error.js';
export { Repo } from '../repo/repo.js';
export { Worktree, type WorktreeStatus, type CheckoutCommitOptions, type CheckoutCommitResult } from './worktree.js';
export { findWorktree, openWorktree } from './find.js';
export { type WorktreeCommitOptions, type WorktreeCommitResult } from './commit.js';
export { type WorktreeChange, type WorktreeChangeEntry } from './changes.js';
export { MARKER_NAME as WORKTREE_MARKER } from './state.js';
export { parseTimestamp } from '../commit/parse-timestamp.js';
// An unfinished merge, cherry-pick or revert, which status lists (its state file is all it reads).
export { readMergeState, type MergeState } from '../merge/merge-state.js';
export { type MergeConflict } from '../merge/conflict.js';
