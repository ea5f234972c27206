import { serialize, deserialize } from '../gvariant/index.js';
import { type Checksum, checksumToBytes, checksumFromBytes } from '../checksum.js';
import { StoreError } from '../errors.js';
import { validateFilename, compareNames } from './filename.js';

/** A directory listing object `(a(say)a(sayay))` (§2.2). Entries are sorted by name bytes. */
export interface DirTree {
  files: Array<{ name: string; checksum: Checksum }>;
  dirs: Array<{ name: string; tree: Checksum; meta: Checksum }>;
}

export const DIRTREE_TYPE = '(a(say)a(sayay))';

export function encodeDirTree(tree: DirTree): Uint8Array {
  return serialize(DIRTREE_TYPE, [
    tree.files.map((f) => [f.name, checksumToBytes(f.checksum)]),
    tree.dirs.map((d) => [d.name, checksumToBytes(d.tree), checksumToBytes(d.meta)]),
  ]);
}

/**
 * Parses a dirtree and refuses unsafe ones: names '', '.', '..', with '/', duplicated, unsorted,
 * or a name used both as a file and as a directory.
 */
export function decodeDirTree(bytes: Uint8Array, what = 'dirtree'): DirTree {
  const [files, dirs] = deserialize(DIRTREE_TYPE, bytes) as [Array<[string, Uint8Array]>, Array<[string, Uint8Array, Uint8Array]>];
  const tree: DirTree = {
    files: files.map(([name, c]) => ({ name, checksum: checksumFromBytes(c, `${what} file ${name}`) })),
    dirs: dirs.map(([name, t, m]) => ({
      name,
      tree: checksumFromBytes(t, `${what} dir ${name}`),
      meta: checksumFromBytes(m, `${what} dir ${name}`),
    })),
  };
  checkSorted(tree.files.map((f) => f.name), what);
  checkSorted(tree.dirs.map((d) => d.name), what);
  if (tree.files.length > 0 && tree.dirs.length > 0) {
    const fileNames = new Set(tree.files.map((f) => f.name));
    for (const d of tree.dirs) {
      if (fileNames.has(d.name)) {
        throw new StoreError('UNSAFE_TREE', `${what}: ${JSON.stringify(d.name)} is both a file and a directory`, { name: d.name });
      }
    }
  }
  return tree;
}

function checkSorted(names: string[], what: string): void {
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    validateFilename(name, what);
    if (i > 0) {
      const c = compareNames(names[i - 1]!, name);
      if (c === 0) throw new StoreError('UNSAFE_TREE', `${what}: duplicate entry ${JSON.stringify(name)}`, { name });
      if (c > 0) throw new StoreError('UNSAFE_TREE', `${what}: entries not sorted at ${JSON.stringify(name)}`, { name });
    }
  }
}
