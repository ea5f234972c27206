import { type Checksum, sha256Hex } from '../checksum.js';
import { StoreError } from '../errors.js';
import type { Transaction, FileContent } from '../repo/transaction.js';
import { readExactly } from '../commit/write-tree.js';
import { encodeDirTree, type DirTree } from '../objects/dirtree.js';
import { encodeDirMeta, type DirMeta } from '../objects/dirmeta.js';
import { encodeFileHeader, framedHeader, type FileInfo } from '../objects/file-header.js';
import { compareNames } from '../objects/filename.js';
import { InFlight } from '../fsio/in-flight.js';
import type { WriteTreeProgress } from '../commit/write-tree.js';
import { hashRulesOf } from './hash-entry.js';
import { RecordedMetadataSource } from './recorded-metadata.js';
import { scanWorktree, seenInfo, seenSum, statAt, type ScanContext, type SeenEntry } from './scan.js';
import { stampOf, type CacheRecord, type CopiedRecord } from './stat-cache.js';
import type { Worktree } from './worktree.js';

export interface ScanTree {
  tree: Checksum;
  meta: Checksum;
  progress: WriteTreeProgress;
  /** the stat cache for the new head (in walk order) */
  records: Array<CacheRecord | CopiedRecord>;
}

/** Thrown inside when the scan's view cannot be trusted to name entries exactly (see below). */
const FALL_BACK = Symbol('fall back to the full walk');

/** Files up to this size are read into memory and written from the bytes hashed (as write-tree.ts does). */
const IN_MEMORY_LIMIT = 1024 * 1024;

/**
 * The worktree's tree written the way `osgit status` looks at it: one walk with the native
 * lstatDir against the stat cache (scan.ts), then only the folders on the paths of changes get
 * a new dirtree; every other folder keeps the head's dirtree checksum (from the cache's head
 * index: no dirtree is read). Changed files are written from disk by the transaction, which
 * hashes what it writes and refuses a file that changed since the scan hashed it.
 *
 * Returns null when the caller must take the full walk (write-tree.ts): the scan failed, or a
 * name the native listing could not decode exactly (invalid UTF-8 shows as U+FFFD there; the
 * walk gives the typed error for it).
 */
export async function treeFromScan(
  wt: Worktree, loaded: ReturnType<Worktree['loadHead']>, tx: Transaction, onProgress?: (p: WriteTreeProgress) => void,
): Promise<ScanTree | null> {
  const repo = wt.repo;
  const { cache, head, cacheIsHead } = loaded;
  const ctx: ScanContext = {
    root: wt.path,
    rules: hashRulesOf(repo),
    cache,
    cacheIsHead,
    head,
    recorded: wt.userMode ? new RecordedMetadataSource(repo) : null,
    headSize: cacheIsHead ? cache!.headCount() : -1,
  };
  let seen: Map<string, SeenEntry>;
  try {
    seen = scanWorktree(ctx).seen;
  } catch {
    // A name lstatDir could not decode, a file that vanished or cannot be read: the full walk
    // meets the same path and gives its typed error (or commits it, if it was a passing race).
    return null;
  }

  // Folders whose listing changed: every ancestor of a path added, removed or changed (a
  // folder's own dirmeta lives in its parent's dirtree, so its parent is rewritten too).
  const dirty = new Set<string>();
  const mark = (rel: string): void => {
    for (let p = rel; p !== ''; ) {
      const i = p.lastIndexOf('/');
      p = i < 0 ? '' : p.slice(0, i);
      if (dirty.has(p)) return; // its ancestors were marked with it
      dirty.add(p);
    }
  };
  let inHead = 0;
  for (const [rel, e] of seen) {
    if (e.sum === null) { // the cache vouches it is the head's
      inHead++;
      continue;
    }
    const h = head.get(rel);
    if (h) inHead++;
    if (rel !== '' && (!h || h.isDir !== (e.kind === 'dir') || h.sum !== e.sum)) mark(rel);
  }
  // Removed paths: only looked for when fewer of the head's paths were seen than it has.
  const headSize = cacheIsHead ? cache!.headCount() : (head as Map<string, unknown>).size;
  if (inHead !== headSize) for (const rel of head.keys()) if (!seen.has(rel)) mark(rel);

  // Folders to encode: the dirty ones, and any the head has no dirtree for (new, or a file before).
  const children = new Map<string, string[]>();
  for (const [rel, e] of seen) {
    if (e.kind !== 'dir') continue;
    const h = head.get(rel);
    if (dirty.has(rel) || !h || !h.isDir || h.tree === undefined) children.set(rel, []);
  }
  for (const rel of seen.keys()) {
    if (rel === '') continue;
    const i = rel.lastIndexOf('/');
    children.get(i < 0 ? '' : rel.slice(0, i))?.push(i < 0 ? rel : rel.slice(i + 1));
  }

  const progress: WriteTreeProgress = { files: 0, dirs: 0, bytesRead: 0, objectsWritten: 0 };
  const writes = new InFlight(8);
  const newTrees = new Map<string, Checksum>();
  const abs = (rel: string): string => (rel === '' ? wt.path : `${wt.path}/${rel}`);

  const storeFile = async (rel: string, e: SeenEntry): Promise<Checksum> => {
    const sum = seenSum(ctx, rel, e);
    if (e.sum === null || tx.inRepoOrInFlightSync(sum, 'file') || tx.hasSync(sum, 'file')) return sum;
    const info = seenInfo(ctx, abs(rel), rel, e) as FileInfo;
    if (e.kind === 'symlink') {
      // Nothing to re-read later: the header is the object, so it must be the one hashed.
      if (sha256Hex(framedHeader(encodeFileHeader(info))) !== sum) throw changed(abs(rel));
      tx.writeFile(sum, info, null);
    } else {
      progress.bytesRead += info.size;
      let content: FileContent;
      if (info.size <= IN_MEMORY_LIMIT) {
        // Written from the very bytes hashed here (no worker to start for a few small files).
        const bytes = readExactly(abs(rel), info.size);
        if (sha256Hex(framedHeader(encodeFileHeader(info)), bytes) !== sum) throw changed(abs(rel));
        content = { bytes };
      } else {
        // The transaction hashes what it copies and refuses the object unless it is `sum`.
        content = { path: abs(rel) };
      }
      const pending = tx.writeFile(sum, info, content);
      if (pending) await writes.add(pending);
    }
    return sum;
  };
  const storeMeta = (rel: string, e: SeenEntry): Checksum => {
    const sum = seenSum(ctx, rel, e);
    if (e.sum === null || tx.inRepoOrInFlightSync(sum, 'dirmeta') || tx.hasSync(sum, 'dirmeta')) return sum;
    const bytes = encodeDirMeta(seenInfo(ctx, abs(rel), rel, e) as DirMeta);
    if (sha256Hex(bytes) !== sum) throw changed(abs(rel));
    tx.writeMetadataSync(sum, 'dirmeta', bytes);
    return sum;
  };
  const treeOf = async (rel: string): Promise<Checksum> => {
    const names = children.get(rel);
    if (names === undefined) return head.get(rel)!.tree!;
    names.sort(compareNames);
    const tree: DirTree = { files: [], dirs: [] };
    for (const name of names) {
      if (name.includes('\uFFFD')) throw FALL_BACK;
      writes.check();
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const e = seen.get(childRel)!;
      if (e.kind === 'dir') {
        const t = await treeOf(childRel);
        tree.dirs.push({ name, tree: t, meta: storeMeta(childRel, e) });
      } else {
        tree.files.push({ name, checksum: await storeFile(childRel, e) });
      }
    }
    const bytes = encodeDirTree(tree);
    const sum = sha256Hex(bytes);
    if (!tx.inRepoOrInFlightSync(sum, 'dirtree')) tx.writeMetadataSync(sum, 'dirtree', bytes);
    newTrees.set(rel, sum);
    return sum;
  };

  let root: { tree: Checksum; meta: Checksum };
  try {
    root = { tree: await treeOf(''), meta: storeMeta('', seen.get('')!) };
  } catch (err) {
    await writes.drain().catch(() => undefined);
    if (err === FALL_BACK) return null;
    throw err;
  }
  await writes.drain();
  writes.check();

  // The new head is what the scan saw: unchanged records are copied, the others spelled out.
  const records: Array<CacheRecord | CopiedRecord> = [];
  for (const [rel, e] of seen) {
    const isDir = e.kind === 'dir';
    if (isDir) progress.dirs++;
    else progress.files++;
    const built = newTrees.get(rel);
    if (e.sum === null && built === undefined && cache !== null) {
      const i = cache.find(rel);
      if (i >= 0) {
        records.push({ rel, copyOf: { cache, index: i } });
        continue;
      }
    }
    const sum = seenSum(ctx, rel, e);
    const tree = isDir ? (built ?? head.get(rel)!.tree!) : undefined;
    records.push({ rel, head: sum, ...(isDir ? { headIsDir: true, headTree: tree! } : {}), disk: stampOf(statAt(e.stats, e.at), sum) });
  }
  progress.objectsWritten = tx.stats.objectsWritten;
  onProgress?.(progress);
  return { ...root, progress, records };
}

function changed(path: string): StoreError {
  return new StoreError('COMMIT_INPUT', `file changed while it was being committed: ${path}`, { path });
}
