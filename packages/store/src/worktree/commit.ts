import { stageCommit } from '../commit/stage-commit.js';
import type { Stats } from 'node:fs';
import type { Checksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import { Transaction } from '../repo/transaction.js';
import { commitMetadata } from '../commit/commit-metadata.js';
import { writeTree, type WriteTreeHooks, type WriteTreeProgress } from '../commit/write-tree.js';
import { checkTimestampRange } from '../commit/parse-timestamp.js';
import { commitFsError } from '../commit/commit-fs-error.js';
import { mergeParentsMetadata } from '../history/commit-parents.js';
import { isNoSpace } from '../fsio/fs-error.js';
import { stampOf, type CacheRecord, type CopiedRecord } from './stat-cache.js';
import { RecordedMetadataSource } from './recorded-metadata.js';
import { treeFromScan } from './tree-from-scan.js';
import { MARKER_NAME } from './state.js';
import type { Worktree } from './worktree.js';
import type { SigningKey } from '../sign/signing-key.js';
import { stageCommitSignatures } from '../sign/stage-commit-signatures.js';

export interface WorktreeCommitOptions {
  subject?: string;
  body?: string;
  /** seconds since the epoch; default SOURCE_DATE_EPOCH, else now */
  timestamp?: bigint;
  metadataStrings?: Array<[string, string]>;
  /** add `ostree.ref-binding` naming the branch (default true) */
  bindings?: boolean;
  /** parents after the head (a merge commit): recorded in `osgit.merge-parents` */
  extraParents?: Checksum[];
  /** reflog reason (default `commit (worktree)`) */
  reason?: string;
  /** commit even when the tree equals the head's */
  allowEmpty?: boolean;
  onProgress?: (p: WriteTreeProgress) => void;
  /** sign the commit with these keys; the `.commitmeta` lands with the commit, before the branch moves */
  signingKeys?: SigningKey[];
}

export interface WorktreeCommitResult {
  commit: Checksum;
  branch: string;
  parent: Checksum;
  rootTree: Checksum;
  rootMeta: Checksum;
  stats: WriteTreeProgress & { bytesWritten: number };
}

/**
 * Commits a worktree's files as the next commit of its branch. The tree comes from the status
 * scan (tree-from-scan.ts: files whose lstat matches the stat cache are not read, folders off the
 * paths of changes keep the head's dirtree); the full walk of write-tree.ts only when the scan
 * cannot name an entry exactly. The marker is left out. The branch moves by compare-and-swap from the worktree's head: if it
 * moved meanwhile, REF_CONFLICT naming both commits, and the worktree state is unchanged.
 */
export async function commitWorktree(wt: Worktree, opts: WorktreeCommitOptions): Promise<WorktreeCommitResult> {
  const repo = wt.repo;
  const tip = await wt.branchTip();
  if (tip !== wt.head) throw moved(wt, tip);
  if (opts.timestamp !== undefined) checkTimestampRange(opts.timestamp);
  const metadata = commitMetadata({
    ...(opts.metadataStrings ? { metadataStrings: opts.metadataStrings } : {}),
    branch: wt.branch,
    bindings: opts.bindings !== false,
    collectionId: repo.config.get('core', 'collection-id') ?? null,
  });
  if (opts.extraParents && opts.extraParents.length > 0) metadata.push(...mergeParentsMetadata(opts.extraParents));
  const headCommit = repo.readCommitSync(wt.head);
  const { cache, head, cacheIsHead } = wt.loadHead();
  let lastKnownIsHead = false;
  const recorded = wt.userMode ? new RecordedMetadataSource(repo) : null;
  const records: Array<CacheRecord | CopiedRecord> = [];
  // The cache record behind the last known checksum and the last known dirtree, by path.
  let lastKnown: { rel: string; index: number } | null = null;
  let lastKnownTree: string | null = null;
  const hooks: WriteTreeHooks = {
    exclude: (rel) => rel === MARKER_NAME,
    knownChecksum: (rel, st) => {
      const i = cache ? cache.find(rel) : -1;
      lastKnownIsHead = false;
      lastKnown = null;
      if (i < 0 || !cache!.matches(i, st)) return undefined;
      // The head's own objects are in the repo: no look needed (6.7k lstats on rootfs-a).
      lastKnownIsHead = cacheIsHead && cache!.sameAsHead(i) && cache!.headIsDir(i) === st.isDirectory();
      if (lastKnownIsHead) lastKnown = { rel, index: i };
      return cache!.diskSum(i);
    },
    knownStored: () => lastKnownIsHead,
    knownTree: (rel, st) => {
      const i = cacheIsHead && cache ? cache.find(rel) : -1;
      if (i < 0 || !cache!.matches(i, st) || !cache!.sameAsHead(i)) return undefined;
      const tree = cache!.headTree(i);
      lastKnownTree = tree === undefined ? null : rel;
      return tree;
    },
    ...(recorded ? { metadataFor: (rel: string, st: Stats) => recorded.of(head.get(rel), st.isDirectory()) } : {}),
    // `st` is the lstat taken before the file was read (write-tree.ts), so a change made while
    // it was read shows as a different stat next time: the stamp never vouches for unread bytes.
    onEntry: (rel, st, sum, tree) => {
      // Unchanged since the cache was written (same stamp, the head's checksum, and for a folder
      // the head's dirtree): the record is copied as it is.
      const isDir = st.isDirectory();
      if (lastKnown !== null && lastKnown.rel === rel && (!isDir || lastKnownTree === rel)) {
        records.push({ rel, copyOf: { cache: cache!, index: lastKnown.index } });
        return;
      }
      records.push({ rel, head: sum, ...(st.isDirectory() ? { headIsDir: true } : {}), ...(tree ? { headTree: tree } : {}), disk: stampOf(st, sum) });
    },
  };

  const tx = await Transaction.begin(repo);
  let result: WorktreeCommitResult;
  try {
    // The status scan first (lstatDir, no Stats objects, untouched folders keep their dirtree);
    // the full walk only when the scan cannot name an entry exactly (tree-from-scan.ts).
    const fast = await treeFromScan(wt, { cache, head, cacheIsHead }, tx, opts.onProgress);
    if (fast) {
      records.length = 0;
      for (const r of fast.records) records.push(r);
    }
    const root = fast ?? await writeTree(tx, wt.path, { modifier: {}, hooks, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    const unchanged = root.tree === headCommit.rootTree && root.meta === headCommit.rootMeta;
    if (unchanged && !opts.allowEmpty && !(opts.extraParents && opts.extraParents.length > 0)) {
      throw new StoreError('NOTHING_TO_COMMIT', `nothing to commit: the worktree at ${wt.path} matches ${wt.branch} (${wt.head}); use --allow-empty to commit anyway`, { branch: wt.branch, head: wt.head });
    }
    const commit = stageCommit(tx, {
      metadata,
      parent: wt.head,
      ...(opts.subject !== undefined ? { subject: opts.subject } : {}),
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
      root,
    });
    if (opts.signingKeys) await stageCommitSignatures(tx, commit, opts.signingKeys);
    const written = tx.stats.bytesWritten;
    await tx.commit({
      refs: [{ ref: { remote: null, name: wt.branch }, expected: wt.head, value: commit, reason: opts.reason ?? 'commit (worktree)' }],
    });
    result = {
      commit,
      branch: wt.branch,
      parent: wt.head,
      rootTree: root.tree,
      rootMeta: root.meta,
      stats: { ...root.progress, objectsWritten: tx.stats.objectsWritten, bytesWritten: written },
    };
  } catch (err) {
    await tx.abort().catch(() => undefined);
    if (isNoSpace(err)) {
      throw new StoreError('NO_SPACE', `no space left on the device holding ${repo.path}; the commit was rolled back and no ref moved`, { repo: repo.path }, { cause: err });
    }
    if (err instanceof StoreError && err.code === 'REF_CONFLICT') throw moved(wt, (err.data.current as Checksum | null) ?? null, err);
    throw commitFsError(err, repo, wt.path);
  }
  wt.recordCommit(result.commit, records);
  return result;
}

function moved(wt: Worktree, tip: Checksum | null, cause?: unknown): StoreError {
  return new StoreError(
    'REF_CONFLICT',
    `branch ${wt.branch} moved to ${tip ?? '(deleted)'} since this worktree was based on ${wt.head}; nothing was committed (osgit reset --soft ${wt.branch} bases the worktree on the new tip and keeps your files)`,
    { ref: wt.branch, current: tip, expected: wt.head },
    cause === undefined ? undefined : { cause },
  );
}
