import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';

/** A path of a commit's tree: its content object (files, symlinks) or dirmeta (folders) checksum. */
export interface TreeEntry {
  sum: Checksum;
  isDir: boolean;
  /** folders: their dirtree checksum */
  tree?: Checksum;
}

/** Paths of a tree by relative path: a Map, or the stat cache's view of its head (cacheHead). */
export interface TreeIndex {
  get(rel: string): TreeEntry | undefined;
  has(rel: string): boolean;
  keys(): Iterable<string>;
}

/**
 * Every path of a commit's tree, relative and '/'-joined ('' = the root folder), read with
 * synchronous object reads (small metadata objects; a thread-pool round trip costs more).
 */
export function treeEntries(repo: Repo, commit: Checksum): Map<string, TreeEntry> {
  const c = repo.readCommitSync(commit);
  const out = new Map<string, TreeEntry>();
  out.set('', { sum: c.rootMeta, isDir: true, tree: c.rootTree });
  addTree(repo, c.rootTree, '', out);
  return out;
}

function addTree(repo: Repo, tree: Checksum, prefix: string, out: Map<string, TreeEntry>): void {
  const t = repo.readDirTreeSync(tree);
  for (const f of t.files) out.set(prefix === '' ? f.name : `${prefix}/${f.name}`, { sum: f.checksum, isDir: false });
  for (const d of t.dirs) {
    const rel = prefix === '' ? d.name : `${prefix}/${d.name}`;
    out.set(rel, { sum: d.meta, isDir: true, tree: d.tree });
    addTree(repo, d.tree, rel, out);
  }
}
