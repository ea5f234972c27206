import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';

/** A root, or any folder, of a tree: its dirtree and dirmeta checksums. */
export interface TreeRoot {
  tree: Checksum;
  meta: Checksum;
}

/** One thing to do to a worktree so that a path matches another tree. Paths are relative ('' = root). */
export type TreeChange =
  | { rel: string; kind: 'remove' }
  | { rel: string; kind: 'write-file'; sum: Checksum }
  | { rel: string; kind: 'write-dir'; tree: Checksum; meta: Checksum }
  | { rel: string; kind: 'dir-meta'; meta: Checksum };

/**
 * What turns tree `from` into tree `to`, path by path. A subtree with the same checksum on both
 * sides is never read; a folder that appears (or replaces a file) is one `write-dir`, one that
 * disappears one `remove`. A file replacing a folder is a `remove` then a `write-file`.
 */
export function treeChanges(repo: Repo, from: TreeRoot, to: TreeRoot): TreeChange[] {
  const out: TreeChange[] = [];
  if (from.meta !== to.meta) out.push({ rel: '', kind: 'dir-meta', meta: to.meta });
  compare(repo, from.tree, to.tree, '', out);
  return out;
}

function compare(repo: Repo, ta: Checksum, tb: Checksum, prefix: string, out: TreeChange[]): void {
  if (ta === tb) return;
  const a = repo.readDirTreeSync(ta);
  const b = repo.readDirTreeSync(tb);
  const join = (name: string): string => (prefix === '' ? name : `${prefix}/${name}`);
  const filesA = new Map(a.files.map((f) => [f.name, f.checksum]));
  const filesB = new Map(b.files.map((f) => [f.name, f.checksum]));
  const dirsA = new Map(a.dirs.map((d) => [d.name, d]));
  const dirsB = new Map(b.dirs.map((d) => [d.name, d]));
  for (const f of a.files) if (!filesB.has(f.name)) out.push({ rel: join(f.name), kind: 'remove' });
  for (const d of a.dirs) if (!dirsB.has(d.name)) out.push({ rel: join(d.name), kind: 'remove' });
  for (const f of b.files) {
    const old = filesA.get(f.name);
    if (old === f.checksum) continue;
    out.push({ rel: join(f.name), kind: 'write-file', sum: f.checksum });
  }
  for (const d of b.dirs) {
    const old = dirsA.get(d.name);
    const rel = join(d.name);
    if (!old) {
      out.push({ rel, kind: 'write-dir', tree: d.tree, meta: d.meta });
      continue;
    }
    if (old.meta !== d.meta) out.push({ rel, kind: 'dir-meta', meta: d.meta });
    compare(repo, old.tree, d.tree, rel, out);
  }
}

/** The tree node at `rel` (null when absent), reading only the folders on the way. */
export function lookupTreePath(repo: Repo, root: TreeRoot, rel: string): { file: Checksum } | { dir: TreeRoot } | null {
  if (rel === '') return { dir: root };
  const parts = rel.split('/');
  let tree = root.tree;
  for (let i = 0; i < parts.length; i++) {
    const t = repo.readDirTreeSync(tree);
    const name = parts[i]!;
    const last = i === parts.length - 1;
    const d = t.dirs.find((x) => x.name === name);
    if (d) {
      if (last) return { dir: { tree: d.tree, meta: d.meta } };
      tree = d.tree;
      continue;
    }
    const f = last ? t.files.find((x) => x.name === name) : undefined;
    return f ? { file: f.checksum } : null;
  }
  return null;
}
