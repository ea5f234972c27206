// The worktree module's public face (re-exported by the package index).
export { Worktree, type WorktreeStatus, type CheckoutCommitOptions, type CheckoutCommitResult } from './worktree.js';
export { findWorktree, openWorktree } from './find.js';
export { addWorktree, type AddWorktreeOptions } from './add.js';
export { listWorktrees, type WorktreeListEntry } from './list.js';
export { removeWorktree, pruneWorktrees } from './remove.js';
export { type WorktreeCommitOptions, type WorktreeCommitResult } from './commit.js';
export { type WorktreeChange, type WorktreeChangeEntry } from './changes.js';
export { type TreeRoot } from './tree-changes.js';
export { MARKER_NAME as WORKTREE_MARKER } from './state.js';
