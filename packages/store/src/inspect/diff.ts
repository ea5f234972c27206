import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import type { DirTree } from '../objects/dirtree.js';

export type DiffKind = 'added' | 'removed' | 'modified';

export interface DiffEntry {
  kind: DiffKind;
  path: string;
  /** 'dir' for a folder that was added or removed, or whose metadata changed */
  type: 'file' | 'dir';
}

export interface DiffStats {
  /** dirtrees read; subtrees equal on both sides are never read */
  treesRead: number;
}

/**
 * Paths added, removed and modified between two commits, in tree order. A subtree with the same
 * checksum on both sides is skipped without being read; an added or removed folder is listed
 * once, not file by file.
 */
export async function diffCommits(repo: Repo, from: Checksum, to: Checksum): Promise<{ entries: DiffEntry[]; stats: DiffStats }> {
  const [a, b] = await Promise.all([repo.readCommit(from), repo.readCommit(to)]);
  const stats: DiffStats = { treesRead: 0 };
  const entries: DiffEntry[] = [];
  if (a.rootMeta !== b.rootMeta) entries.push({ kind: 'modified', path: '/', type: 'dir' });
  await diffTrees(repo, a.rootTree, b.rootTree, '', entries, stats);
  return { entries, stats };
}

async function diffTrees(repo: Repo, ta: Checksum, tb: Checksum, prefix: string, out: DiffEntry[], stats: DiffStats): Promise<void> {
  if (ta === tb) return;
  const [a, b]: [DirTree, DirTree] = await Promise.all([repo.readDirTree(ta), repo.readDirTree(tb)]);
  stats.treesRead += 2;
  const filesA = new Map(a.files.map((f) => [f.name, f.checksum]));
  const filesB = new Map(b.files.map((f) => [f.name, f.checksum]));
  const dirsA = new Map(a.dirs.map((d) => [d.name, d]));
  const dirsB = new Map(b.dirs.map((d) => [d.name, d]));
  for (const f of a.files) {
    const other = filesB.get(f.name);
    if (other === undefined) out.push({ kind: 'removed', path: `${prefix}/${f.name}`, type: 'file' });
    else if (other !== f.checksum) out.push({ kind: 'modified', path: `${prefix}/${f.name}`, type: 'file' });
  }
  for (const f of b.files) {
    if (!filesA.has(f.name)) out.push({ kind: 'added', path: `${prefix}/${f.name}`, type: 'file' });
  }
  for (const d of a.dirs) {
    if (!dirsB.has(d.name)) out.push({ kind: 'removed', path: `${prefix}/${d.name}`, type: 'dir' });
  }
  for (const d of b.dirs) {
    const old = dirsA.get(d.name);
    const path = `${prefix}/${d.name}`;
    if (!old) {
      out.push({ kind: 'added', path, type: 'dir' });
      continue;
    }
    if (old.meta !== d.meta) out.push({ kind: 'modified', path, type: 'dir' });
    await diffTrees(repo, old.tree, d.tree, path, out, stats);
  }
}
