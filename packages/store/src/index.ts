// Public API of @osgit/store. Nothing outside this package imports its internals.
export { StoreError, isStoreError, type StoreErrorCode } from './errors.js';
export { fsError, type FsErrorContext } from './fsio/fs-error.js';
export { atomicWriteFile } from './fsio/atomic-write.js';
export { type Checksum, isChecksum, sha256Hex, checksumToBytes, checksumFromBytes } from './checksum.js';
export * as gvariant from './gvariant/index.js';

export { type ObjectType, objectRelPath } from './objects/object-type.js';
export { type Xattrs, normalizeXattrs } from './objects/xattrs.js';
export { type Commit, type Metadata, encodeCommit, decodeCommit, metadataValue, COMMIT_TYPE } from './objects/commit.js';
export { type DirTree, encodeDirTree, decodeDirTree, DIRTREE_TYPE } from './objects/dirtree.js';
export { type DirMeta, encodeDirMeta, decodeDirMeta, DIRMETA_TYPE } from './objects/dirmeta.js';
export {
  type FileInfo, encodeFileHeader, decodeFileHeader, encodeArchiveHeader, decodeArchiveHeader, framedHeader,
  splitFramedHeader, encodeBareUserMeta, decodeBareUserMeta, isSymlinkMode,
} from './objects/file-header.js';
export { validateFilename, compareNames } from './objects/filename.js';
export { verifyMetadataObject } from './objects/verify-object.js';

export { Repo, type InitOptions, MAX_METADATA_SIZE } from './repo/repo.js';
export { type RepoMode, REPO_MODES, parseRepoMode, configModeName } from './repo/config.js';
export { KeyFile } from './repo/keyfile.js';
export { Transaction, type FileContent, type TransactionStats } from './repo/transaction.js';
export { acquireLock, withLock, type LockKind, type RepoLock } from './repo/lock.js';
export { openFileObject, type FileObject } from './repo/file-object.js';
export { openStaticFile, classifyStaticPath, type StaticFile, type StaticFileKind } from './repo/static-file.js';
export { type ReceivedData } from './repo/receive-object.js';
export { readObjectForTransfer, transferSizeOf, openObjectForTransfer } from './repo/transfer.js';
export { markCommitPartial, isCommitPartial, clearCommitPartial, commitPartialReason, type CommitPartialReason } from './repo/commit-partial.js';
export { quarantineObject, QUARANTINE_DIR } from './repo/quarantine-object.js';

export { type RefName, parseRefSpec, formatRef, validateRefName, validateRemoteName } from './refs/ref-name.js';
export { readRef, listRefs, updateRef, type RefEntry, type RefUpdate } from './refs/refs.js';
export { readReflog, type ReflogEntry } from './refs/reflog.js';
export { createBranch } from './refs/create-branch.js';
export { renameBranch } from './refs/rename-branch.js';
export { deleteBranch, type DeleteBranchResult } from './refs/delete-branch.js';
export { listBranches, type BranchInfo } from './refs/list-branches.js';
export { createTag, deleteTag, listTags } from './refs/tags.js';

export { commitTree, type CommitOptions, type CommitResult } from './commit/commit-tree.js';
export { type WriteTreeProgress, type TreeModifier } from './commit/write-tree.js';
export { parseTimestamp, defaultTimestamp } from './commit/parse-timestamp.js';

export { checkout, type CheckoutOptions, type CheckoutResult, type CheckoutProgress } from './checkout/checkout.js';

export { revParse, type RevParseOptions } from './inspect/rev-parse.js';
export { log, summarizeCommit, jsonValue, type CommitSummary, type LogResult } from './inspect/log.js';
export { diffCommits, type DiffEntry, type DiffKind } from './inspect/diff.js';
export { listTree, formatLsEntry, type LsEntry } from './inspect/ls.js';
export { resolveTreePath, type TreeNode } from './inspect/tree-path.js';
export { fsck, type FsckResult, type FsckProblem, type FsckProgress } from './inspect/fsck.js';
export { reachableObjects, type ReachableObject, type ReachableOptions } from './inspect/reachable.js';
export { updateSummary, SUMMARY_TYPE, type SummaryResult, type UpdateSummaryOptions } from './inspect/summary.js';

export { commitParents, mergeParentsMetadata, MERGE_PARENTS_KEY } from './history/commit-parents.js';
export { CommitGraph, type GraphNode } from './history/commit-graph.js';
export { mergeBases, isAncestor } from './history/merge-base.js';
export { walkCommits, type WalkOptions } from './history/walk-commits.js';

export { mergeText, isMergeableText, type MergeFavor, type MergeTextOptions, type MergeTextResult } from './merge/merge-text.js';
export { type MergeConflict, type ConflictKind, type SideDescription } from './merge/conflict.js';
export { MergeObjects, type MergeStats } from './merge/merge-objects.js';
export { mergeTrees, type TreeRoot, type MergeTreesOptions, type MergeTreesResult } from './merge/merge-trees.js';
export { bisectStart, type BisectStartOptions } from './history/bisect-start.js';
export { bisectMark, type BisectMarkOptions, type BisectVerdict } from './history/bisect-mark.js';
export { bisectLog } from './history/bisect-log.js';
export { bisectReset, type BisectResetResult } from './history/bisect-reset.js';
export {
  bisectRun, type BisectRunOptions, type BisectRunResult, type BisectTested, type BisectTestExit, type BisectTestOutcome,
  type BisectTestingStep,
} from './history/bisect-run.js';
export { type BisectStep, type BisectCommitRef } from './history/bisect-step.js';
export { chooseBisectCommit, estimateBisectSteps, type BisectGraph, type BisectChoice } from './history/bisect-next.js';
export { mergeCommits, type MergeCommitsOptions, type MergeCommitsResult } from './merge/merge-commits.js';
export { mergeIntoBranch, type MergeIntoBranchOptions, type MergeIntoBranchResult } from './merge/merge-into-branch.js';
export { type PickCommitOptions, type PickCommitResult } from './merge/pick-commit.js';
export { cherryPick } from './merge/cherry-pick.js';
export { revert } from './merge/revert.js';

export {
  Worktree, findWorktree, openWorktree, WORKTREE_MARKER, type WorktreeStatus, type CheckoutCommitOptions, type CheckoutCommitResult,
  type WorktreeCommitOptions, type WorktreeCommitResult, type WorktreeChange, type WorktreeChangeEntry,
} from './worktree/index.js';
export { addWorktree, type AddWorktreeOptions } from './worktree/add.js';
export { listWorktrees, type WorktreeListEntry } from './worktree/list.js';
export { removeWorktree, pruneWorktrees } from './worktree/remove.js';
export { switchBranch, type SwitchOptions, type SwitchResult } from './worktree/switch.js';
export { resetWorktree, resetBranch, type ResetMode, type ResetResult } from './worktree/reset.js';
export { mergeInWorktree, continueMerge, abortMerge, type WorktreeMergeOptions, type WorktreeMergeResult } from './merge/worktree-merge.js';
export { readMergeState, type MergeState } from './merge/merge-state.js';

export { type TrustedKeys, type LoadTrustedKeysOptions, loadTrustedKeys } from './sign/trusted-keys.js';
export { type SignatureCheck, type SignatureReport, verifySignedBytes, requireValidSignature } from './sign/verify-signed-bytes.js';
export { verifyCommit } from './sign/verify-commit.js';
export { type SigningKey, loadSigningKey } from './sign/signing-key.js';
export { signatureMetadata } from './sign/signature-metadata.js';
export { signCommit } from './sign/sign-commit.js';
export { signSummary } from './sign/sign-summary.js';
export { generateSigningKey, type GeneratedKey } from './sign/generate-key.js';
export { ED25519_SIGNATURES_KEY, GPG_SIGNATURES_KEY } from './sign/signature-metadata-keys.js';
export { prune, type PruneOptions, type PruneResult, type PruneProgress } from './prune/prune.js';
export { parsePruneDate } from './prune/parse-date.js';
