import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { openFileObject } from '../repo/file-object.js';
import { resolveTreePath, splitTreePath } from './tree-path.js';

/** One line of `ls`: what `ostree ls` shows of an entry. */
export interface LsEntry {
  path: string;
  type: 'dir' | 'file' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  symlinkTarget?: string;
  checksum: Checksum;
  /** for folders: their dirmeta checksum */
  meta?: Checksum;
}

/**
 * Lists `path` of a commit like `ostree ls`: the entry itself, then (for a folder) its files and
 * then its subfolders in tree order; with `recursive`, each subfolder's contents after its line.
 * Calls `emit` entry by entry so a large tree is never held in memory.
 */
export async function listTree(repo: Repo, commit: Checksum, path: string, opts: { recursive?: boolean }, emit: (e: LsEntry) => void): Promise<void> {
  const node = await resolveTreePath(repo, commit, path);
  const display = '/' + splitTreePath(path).join('/');
  if (node.kind === 'file') {
    emit(await fileEntry(repo, node.checksum, display));
    return;
  }
  await listDir(repo, node.tree, node.meta, display, opts.recursive === true, true, emit);
}

async function fileEntry(repo: Repo, checksum: Checksum, path: string): Promise<LsEntry> {
  const { info } = await openFileObject(repo, checksum);
  const symlink = info.symlinkTarget !== '';
  return {
    path,
    type: symlink ? 'symlink' : 'file',
    mode: info.mode,
    uid: info.uid,
    gid: info.gid,
    size: info.size,
    ...(symlink ? { symlinkTarget: info.symlinkTarget } : {}),
    checksum,
  };
}

async function listDir(repo: Repo, tree: Checksum, metaSum: Checksum, path: string, recursive: boolean, descend: boolean, emit: (e: LsEntry) => void): Promise<void> {
  const meta = await repo.readDirMeta(metaSum);
  emit({ path, type: 'dir', mode: meta.mode, uid: meta.uid, gid: meta.gid, size: 0, checksum: tree, meta: metaSum });
  if (!descend) return;
  const dt = await repo.readDirTree(tree);
  const join = (name: string): string => (path === '/' ? `/${name}` : `${path}/${name}`);
  for (const f of dt.files) emit(await fileEntry(repo, f.checksum, join(f.name)));
  for (const d of dt.dirs) await listDir(repo, d.tree, d.meta, join(d.name), recursive, recursive, emit);
}

/** `ostree ls` text for one entry: `d00755 0 0      0 /path`. */
export function formatLsEntry(e: LsEntry, opts: { checksum?: boolean } = {}): string {
  const t = e.type === 'dir' ? 'd' : e.type === 'symlink' ? 'l' : '-';
  const mode = (e.mode & 0o7777).toString(8).padStart(4, '0');
  const sums = opts.checksum ? (e.meta ? ` ${e.checksum} ${e.meta}` : ` ${e.checksum}`) : '';
  const tail = e.symlinkTarget ? ` -> ${e.symlinkTarget}` : '';
  return `${t}0${mode} ${e.uid} ${e.gid} ${String(e.size).padStart(6)}${sums} ${e.path}${tail}`;
}
