import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { validateFilename } from '../objects/filename.js';

/** Something a path names inside a commit's tree. */
export type TreeNode =
  | { kind: 'dir'; tree: Checksum; meta: Checksum }
  | { kind: 'file'; checksum: Checksum };

/**
 * Splits a tree path (`/usr/bin`, `usr/bin/`, `/`) into safe components. The path is the
 * caller's argument (a --subpath, an ls or cat path), so a `..` in it is INVALID_ARGUMENT, a
 * usage error; the same name inside a stored dirtree is UNSAFE_TREE, damaged data.
 */
export function splitTreePath(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  for (const p of parts) {
    try {
      validateFilename(p, `path ${JSON.stringify(path)}`);
    } catch (cause) {
      throw new StoreError('INVALID_ARGUMENT', `path ${JSON.stringify(path)} is not a path inside the tree: it names ${JSON.stringify(p)}`, { path }, { cause });
    }
  }
  return parts;
}

/** Walks dirtrees from a commit's root to `path`; PATH_NOT_FOUND if it is not there. */
export async function resolveTreePath(repo: Repo, commit: Checksum, path: string): Promise<TreeNode> {
  const c = await repo.readCommit(commit);
  let node: TreeNode = { kind: 'dir', tree: c.rootTree, meta: c.rootMeta };
  const parts = splitTreePath(path);
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!;
    if (node.kind !== 'dir') throw notFound(path);
    const t = await repo.readDirTree(node.tree);
    const d = t.dirs.find((e) => e.name === name);
    if (d) {
      node = { kind: 'dir', tree: d.tree, meta: d.meta };
      continue;
    }
    const f = t.files.find((e) => e.name === name);
    if (!f) throw notFound(path);
    node = { kind: 'file', checksum: f.checksum };
  }
  return node;
}

function notFound(path: string): StoreError {
  return new StoreError('PATH_NOT_FOUND', `no such file or directory in the commit: ${path}`, { path });
}
