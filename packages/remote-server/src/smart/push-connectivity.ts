import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  commitParents, decodeCommit, decodeDirTree, isCommitPartial, objectRelPath, type Checksum, type Commit, type DirTree,
  type ObjectType, type Repo, type Transaction,
} from '@osgit/store';
import { ProtocolError } from '@osgit/protocol';

/**
 * The objects of a push transaction as one view: staged by `tx` (not yet in the repository) or
 * already in it. Staged metadata is read from the transaction's staging folder, which mirrors
 * objects/ (see Transaction: `tx.dir/XX/REST.TYPE`), so the check runs before anything of the
 * push becomes visible.
 */
export class PushView {
  constructor(readonly repo: Repo, readonly tx: Transaction) {}

  has(checksum: Checksum, type: ObjectType): boolean {
    return this.tx.hasSync(checksum, type);
  }

  async readMetadata(checksum: Checksum, type: ObjectType): Promise<Uint8Array> {
    if (this.repo.hasObjectSync(checksum, type)) return this.repo.readMetadataBytes(checksum, type);
    return fs.readFile(join(this.tx.dir, objectRelPath(checksum, type, this.repo.mode).slice('objects/'.length)));
  }

  async commit(checksum: Checksum): Promise<Commit> {
    return decodeCommit(await this.readMetadata(checksum, 'commit'));
  }

  async dirTree(checksum: Checksum): Promise<DirTree> {
    return decodeDirTree(await this.readMetadata(checksum, 'dirtree'));
  }
}

function missing(commit: Checksum, type: ObjectType, checksum: Checksum, path: string): ProtocolError {
  return new ProtocolError(
    'PUSH_REJECTED',
    `commit ${commit} is incomplete: ${type} ${checksum} (${path}) is neither in the push nor on the server`,
    { commit, type, checksum, path },
  );
}

/**
 * Connectivity: throws PUSH_REJECTED unless every object `commit` reaches (its tree: dirtrees,
 * dirmetas, files) exists, staged or in the repository. Its parents need not exist (OSTree
 * allows truncated history).
 *
 * `base` (the value the client says the ref has) lets the walk skip work: where the new tree
 * holds, at the same path, the same dirtree as the base commit's tree, that subtree is complete
 * already. That is safe because the base is used only when it is a commit object in the
 * repository without a commitpartial marker, and such a commit is whole: this route never lets a
 * commit with holes into objects/ (a cut push keeps its objects only if every commit among them
 * passes this check in full), transactions rename commit objects last, and pulls that stop short
 * mark their commits partial. (If the client's base is not the ref's value, the compare-and-swap
 * refuses the update; the objects kept are still whole, checked against a whole commit.)
 * A dirtree that merely exists in the repository proves nothing: an interrupted push keeps
 * verified dirtrees whose children never arrived, so existence alone is never a reason to skip.
 */
export async function checkConnectivity(view: PushView, commit: Checksum, base: Checksum | null): Promise<void> {
  if (!view.has(commit, 'commit')) throw missing(commit, 'commit', commit, '(the commit itself)');
  const c = await view.commit(commit);
  let baseTree: Checksum | null = null;
  if (base && view.repo.hasObjectSync(base, 'commit') && !(await isCommitPartial(view.repo, base))) {
    baseTree = (await view.commit(base)).rootTree;
  }
  const stack: Array<{ tree: Checksum; meta: Checksum; path: string; base: Checksum | null }> = [
    { tree: c.rootTree, meta: c.rootMeta, path: '/', base: baseTree },
  ];
  let visited = 0;
  while (stack.length > 0) {
    const { tree, meta, path, base: baseDir } = stack.pop()!;
    if (!view.has(meta, 'dirmeta')) throw missing(commit, 'dirmeta', meta, path);
    if (tree === baseDir) continue;
    if (!view.has(tree, 'dirtree')) throw missing(commit, 'dirtree', tree, path);
    const dt = await view.dirTree(tree);
    const baseDirs = baseDir && view.repo.hasObjectSync(baseDir, 'dirtree') ? new Map((await view.dirTree(baseDir)).dirs.map((d) => [d.name, d.tree])) : null;
    for (const f of dt.files) {
      if (!view.has(f.checksum, 'file')) throw missing(commit, 'file', f.checksum, join(path, f.name));
    }
    for (const d of dt.dirs) stack.push({ tree: d.tree, meta: d.meta, path: join(path, d.name), base: baseDirs?.get(d.name) ?? null });
    // Let other requests run during a long walk.
    if (++visited % 256 === 0) await new Promise((r) => setImmediate(r));
  }
}

/**
 * True if `ancestor` is `descendant` or one of its ancestors over every parent (OSTree's `parent`
 * and a merge's `osgit.merge-parents`, as git's fast-forward rule), following parents while they
 * exist (staged or in the repository: the store's isAncestor cannot see staged commits). Each
 * commit is read once. A history with a hole before `ancestor` is not a fast-forward.
 */
export async function isAncestor(view: PushView, ancestor: Checksum, descendant: Checksum): Promise<boolean> {
  const seen = new Set<Checksum>([descendant]);
  const queue: Checksum[] = [descendant];
  for (let steps = 0; steps < queue.length; steps++) {
    const at = queue[steps]!;
    if (at === ancestor) return true;
    if (!view.has(at, 'commit')) continue;
    for (const parent of commitParents(await view.commit(at), at)) {
      if (!seen.has(parent)) {
        seen.add(parent);
        queue.push(parent);
      }
    }
    if (steps % 256 === 255) await new Promise((r) => setImmediate(r));
  }
  return false;
}
