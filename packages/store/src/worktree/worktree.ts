import type { Checksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import type { Repo } from '../repo/repo.js';
import { readFileSync } from 'node:fs';
import { isChecksum } from '../checksum.js';
import { refRelPath, validateRefName } from '../refs/ref-name.js';
import { MARKER_NAME, readState, stateDirOf, writeState, type WorktreeState } from './state.js';
import { StatCache, saveStatCache, stampOf, type CacheRecord, type DiskStamp } from './stat-cache.js';
import { treeEntries, type TreeIndex } from './head-tree.js';
import { hashRulesOf } from './hash-entry.js';
import { RecordedMetadataSource } from './recorded-metadata.js';
import { scanWorktree, seenSum, statAt, type ScanContext, type SeenEntry } from './scan.js';
import { compareWithTree, type WorktreeChangeEntry } from './changes.js';
import { lookupTreePath, treeChanges, type TreeChange, type TreeRoot } from './tree-changes.js';
// commit.ts and apply-changes.ts (transactions, object writing, checkout's writer) are loaded
// when first needed: `osgit status` runs without them (see packages/cli/src/fast/status.ts).
import type { AppliedChanges } from './apply-changes.js';
import type { WorktreeCommitOptions, WorktreeCommitResult } from './commit.js';

export interface WorktreeStatus {
  worktree: string;
  branch: string;
  head: Checksum;
  clean: boolean;
  entries: WorktreeChangeEntry[];
}

export interface CheckoutCommitOptions {
  /** discard local changes (reset --hard); without it, LOCAL_CHANGES when they would be overwritten */
  force?: boolean;
  /** move the worktree to this branch too (switch) */
  branch?: string;
}

export interface CheckoutCommitResult {
  head: Checksum;
  /** changes applied (a new folder counts once) */
  updated: number;
  /** local changes kept (carried over) */
  carried: WorktreeChangeEntry[];
}

/**
 * An editable tree linked to a branch: files in `path`, state in `stateDir`
 * (`<repo>/osgit/worktrees/ID/`: worktree.json and the stat cache `index`).
 */
export class Worktree {
  /** what the last status/diff walk did: paths seen, and how many it had to read (0 when the cache vouched for all) */
  lastScan: { paths: number; hashed: number } | null = null;

  private constructor(
    readonly repo: Repo,
    readonly id: string,
    private state: WorktreeState,
  ) {}

  /** Opens a registered worktree; NOT_A_WORKTREE when the repo has no such id. */
  static open(repo: Repo, id: string): Worktree {
    return new Worktree(repo, id, readState(repo, id));
  }

  get path(): string {
    return this.state.path;
  }
  get branch(): string {
    return this.state.branch;
  }
  get head(): Checksum {
    return this.state.head;
  }
  get userMode(): boolean {
    return this.state.userMode;
  }
  get stateDir(): string {
    return stateDirOf(this.repo, this.id);
  }

  /**
   * The branch's tip; WORKTREE_BRANCH_GONE when the branch was deleted (the worktree keeps its
   * head, from which the branch can be made again).
   */
  async branchTip(): Promise<Checksum> {
    const tip = readBranchSync(this.repo, this.branch);
    if (tip === null) {
      throw new StoreError(
        'WORKTREE_BRANCH_GONE',
        `branch ${this.branch} of the worktree at ${this.path} was deleted; recreate it with: osgit branch ${this.branch} ${this.head}`,
        { branch: this.branch, worktree: this.path, head: this.head },
      );
    }
    return tip;
  }

  /** The paths that differ between the head commit and the files (see compareWithTree). */
  async status(): Promise<WorktreeStatus> {
    await this.branchTip();
    const entries = await this.localChanges();
    return { worktree: this.path, branch: this.branch, head: this.head, clean: entries.length === 0, entries };
  }

  /** The paths that differ between the head and the files, whether or not the branch still exists. */
  async localChanges(): Promise<WorktreeChangeEntry[]> {
    const { ctx, seen } = this.scan();
    return compareWithTree(this.repo, ctx, ctx.head, seen);
  }

  /** The paths that differ between `commit` and the files. */
  async diffAgainst(commit: Checksum): Promise<WorktreeChangeEntry[]> {
    await this.branchTip();
    const { ctx, seen } = this.scan();
    const base = commit === this.head ? ctx.head : treeEntries(this.repo, commit);
    return compareWithTree(this.repo, ctx, base, seen);
  }

  /**
   * Walks the files against the stat cache (see scanWorktree) and saves the cache again when
   * anything had to be read, so that it is read once.
   */
  private scan(): { ctx: ScanContext; seen: Map<string, SeenEntry> } {
    const { cache, head, cacheIsHead } = this.loadHead();
    const ctx: ScanContext = {
      root: this.path,
      rules: hashRulesOf(this.repo),
      cache,
      cacheIsHead,
      head,
      recorded: this.userMode ? new RecordedMetadataSource(this.repo) : null,
      headSize: cacheIsHead ? cache!.headCount() : -1,
    };
    const { seen, hashed } = scanWorktree(ctx);
    this.lastScan = { paths: seen.size, hashed };
    // Rewritten when something was read, or when its order no longer follows the walk's.
    if (hashed > 0 || !cacheIsHead || (cache !== null && cache.misses > seen.size / 4)) {
      const stamps = new Map<string, DiskStamp>();
      for (const [rel, e] of seen) stamps.set(rel, stampOf(statAt(e.stats, e.at), seenSum(ctx, rel, e)));
      saveCacheQuietly(this.stateDir, this.head, head, stamps);
    }
    return { ctx, seen };
  }

  /** Commits the files as the next commit of the branch (see commit.ts). */
  async commit(opts: WorktreeCommitOptions): Promise<WorktreeCommitResult> {
    const { commitWorktree } = await import('./commit.js');
    const result = await commitWorktree(this, opts);
    this.state = { ...this.state, head: result.commit };
    return result;
  }

  /**
   * Moves the files to `commit`'s tree, writing only the paths that differ between the head and
   * `commit` (and, with `force`, those with local changes). Without `force`, local changes are
   * carried over when the paths they touch are the same in both trees; otherwise LOCAL_CHANGES
   * naming them, and nothing changes. The head (and with `branch`, the branch) becomes `commit`.
   */
  async checkoutCommit(commit: Checksum, opts: CheckoutCommitOptions = {}): Promise<CheckoutCommitResult> {
    const c = this.repo.readCommitSync(commit);
    const r = await this.writeTree({ tree: c.rootTree, meta: c.rootMeta }, { force: opts.force === true, newHead: commit });
    this.state = { ...this.state, head: commit, ...(opts.branch ? { branch: opts.branch } : {}) };
    writeState(this.repo, this.id, this.state);
    return { head: commit, ...r };
  }

  /**
   * Writes a tree (root dirtree + dirmeta) into the files, only the paths that differ from the
   * head's tree, with the same rule for local changes as checkoutCommit. The head stays unless
   * `newHead` is given (a merge writes its result, then commits it with extraParents).
   */
  async writeTree(root: TreeRoot, opts: { force?: boolean; newHead?: Checksum } = {}): Promise<{ updated: number; carried: WorktreeChangeEntry[] }> {
    const { changes, local } = await this.plan(root);
    let carried = local;
    if (opts.force) {
      changes.push(...restoreLocal(this.repo, root, local, changes));
      carried = [];
    } else {
      refuseConflicts(changes, local);
    }
    const { applyTreeChanges } = await import('./apply-changes.js');
    const applied = await applyTreeChanges(this.repo, this.path, changes, this.userMode);
    const newHead = opts.newHead ?? this.head;
    this.updateCacheAfterWrite(newHead, applied);
    return { updated: changes.length, carried };
  }

  /** LOCAL_CHANGES (and nothing changes) when moving the files to `commit` would overwrite local changes. */
  async checkWritable(commit: Checksum): Promise<void> {
    const c = this.repo.readCommitSync(commit);
    const { changes, local } = await this.plan({ tree: c.rootTree, meta: c.rootMeta });
    refuseConflicts(changes, local);
  }

  private async plan(root: TreeRoot): Promise<{ changes: TreeChange[]; local: LocalChange[] }> {
    const entries = await this.localChanges();
    const headCommit = this.repo.readCommitSync(this.head);
    const changes = treeChanges(this.repo, { tree: headCommit.rootTree, meta: headCommit.rootMeta }, root);
    return { changes, local: entries.map((e) => ({ ...e, rel: e.path.slice(1) })) };
  }

  /** The cache after files were written: old stamps where nothing was touched, new ones where written. */
  private updateCacheAfterWrite(newHead: Checksum, applied: AppliedChanges): void {
    const old = StatCache.load(this.stateDir);
    const head = treeEntries(this.repo, newHead);
    const stamps = new Map<string, DiskStamp>();
    if (old) {
      old.paths.forEach((rel, i) => {
        const disk = old.stamp(i);
        if (disk && !underAny(rel, applied.touched) && !applied.written.has(rel)) stamps.set(rel, disk);
      });
    }
    for (const [rel, w] of applied.written) stamps.set(rel, w.stamp);
    saveCacheQuietly(this.stateDir, newHead, head, stamps);
  }

  /** @internal for commit.ts: after a commit, the head and its stat cache. */
  recordCommit(commit: Checksum, records: CacheRecord[]): void {
    writeState(this.repo, this.id, { ...this.state, head: commit });
    try {
      saveStatCache(this.stateDir, commit, records);
    } catch {
      /* the cache is an optimisation: without it the next status hashes everything once */
    }
  }

  /** @internal for commit.ts */
  loadHead(): { cache: StatCache | null; head: TreeIndex; cacheIsHead: boolean } {
    const cache = StatCache.load(this.stateDir);
    const cacheIsHead = cache !== null && cache.head === this.head;
    return { cache, head: cacheIsHead ? cache.headIndex() : treeEntries(this.repo, this.head), cacheIsHead };
  }

  /** @internal for moving the worktree to another branch */
  setState(state: Partial<WorktreeState>): void {
    this.state = { ...this.state, ...state };
    writeState(this.repo, this.id, this.state);
  }
}

/**
 * A branch's tip, read synchronously (readRef's rules: absent is null, garbage REF_CORRUPT): one
 * small read on the status path instead of four thread-pool round trips.
 */
function readBranchSync(repo: Repo, name: string): Checksum | null {
  validateRefName(name);
  const path = `${repo.path}/${refRelPath({ remote: null, name })}`;
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw err;
  }
  const value = text.trimEnd();
  if (!isChecksum(value)) throw new StoreError('REF_CORRUPT', `ref ${name} holds an invalid checksum ${JSON.stringify(value.slice(0, 80))}`, { ref: name });
  return value;
}

function saveCacheQuietly(stateDir: string, headCommit: Checksum, head: TreeIndex, stamps: Map<string, DiskStamp>): void {
  // In the order the walk meets paths (stamps' order), so the next walk finds each record where
  // it expects it (StatCache.find), then the paths only the head has.
  const records: CacheRecord[] = [];
  for (const [rel, disk] of stamps) {
    const h = head.get(rel);
    records.push({ rel, ...(h ? { head: h.sum, ...(h.isDir ? { headIsDir: true } : {}), ...(h.tree ? { headTree: h.tree } : {}) } : {}), disk });
  }
  for (const rel of head.keys()) {
    if (stamps.has(rel)) continue;
    const h = head.get(rel)!;
    records.push({ rel, head: h.sum, ...(h.isDir ? { headIsDir: true } : {}), ...(h.tree ? { headTree: h.tree } : {}) });
  }
  try {
    saveStatCache(stateDir, headCommit, records);
  } catch {
    /* an optimisation only (a read-only repo for this user): status still works, hashing more */
  }
}

function underAny(rel: string, roots: Set<string>): boolean {
  if (roots.size === 0) return false;
  for (let p = rel; ; ) {
    if (roots.has(p)) return true;
    const i = p.lastIndexOf('/');
    if (i < 0) return roots.has('') && rel !== '';
    p = p.slice(0, i);
  }
}

type LocalChange = WorktreeChangeEntry & { rel: string };

function coversSubtree(l: LocalChange): boolean {
  return l.type === 'dir' && l.changes.some((c) => c === 'added' || c === 'removed' || c === 'type-changed');
}

function isUnder(rel: string, root: string): boolean {
  return root === '' ? rel !== '' : rel.startsWith(`${root}/`);
}

function refuseConflicts(changes: TreeChange[], local: LocalChange[]): void {
  const conflicts = conflictingPaths(changes, local);
  if (conflicts.length > 0) {
    throw new StoreError(
      'LOCAL_CHANGES',
      `uncommitted changes would be overwritten: ${conflicts.slice(0, 10).join(', ')}${conflicts.length > 10 ? `, and ${conflicts.length - 10} more` : ''}; commit them, or discard them (osgit reset --hard)`,
      { paths: conflicts },
    );
  }
}

/** Local changes that a tree change would overwrite (as git checkout decides), as '/'-rooted paths. */
function conflictingPaths(changes: TreeChange[], local: LocalChange[]): string[] {
  const out = new Set<string>();
  for (const l of local) {
    for (const c of changes) {
      const cCovers = c.kind === 'remove' || c.kind === 'write-dir';
      if (c.rel === l.rel || (cCovers && isUnder(l.rel, c.rel)) || (coversSubtree(l) && isUnder(c.rel, l.rel))) {
        out.add(l.path);
        break;
      }
    }
  }
  return [...out].sort();
}

/** With --force / --hard: every locally changed path is rewritten from the target tree (or removed). */
function restoreLocal(repo: Repo, root: TreeRoot, local: LocalChange[], changes: TreeChange[]): TreeChange[] {
  const out: TreeChange[] = [];
  for (const l of local) {
    if (changes.some((c) => c.rel === l.rel || ((c.kind === 'remove' || c.kind === 'write-dir') && isUnder(l.rel, c.rel)))) continue;
    const node = lookupTreePath(repo, root, l.rel);
    if (!node) out.push({ rel: l.rel, kind: 'remove' });
    else if ('file' in node) out.push({ rel: l.rel, kind: 'write-file', sum: node.file });
    else if (coversSubtree(l)) out.push({ rel: l.rel, kind: 'write-dir', tree: node.dir.tree, meta: node.dir.meta });
    else out.push({ rel: l.rel, kind: 'dir-meta', meta: node.dir.meta });
  }
  return out;
}

/** @internal the marker is never committed nor listed */
export function isMarker(rel: string): boolean {
  return rel === MARKER_NAME;
}
