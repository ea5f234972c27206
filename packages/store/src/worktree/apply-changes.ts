import { lstatSync, rmSync } from 'node:fs';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { FileWriter, writeError } from '../checkout/file-writer.js';
import type { DirMeta } from '../objects/dirmeta.js';
import { stampOf, type DiskStamp } from './stat-cache.js';
import type { TreeChange } from './tree-changes.js';

export interface AppliedChanges {
  /** paths removed or rewritten, each with everything below it: old cache entries there are void */
  touched: Set<string>;
  /** what was written, with its lstat after writing and the checksum written */
  written: Map<string, { stamp: DiskStamp; isDir: boolean }>;
}

/**
 * Makes the worktree's files match the changes: removals first, then files and new folders in
 * path order (copies, never hardlinks), then folder metadata deepest first, once everything in
 * them is written. Only the listed paths are touched.
 */
export async function applyTreeChanges(repo: Repo, root: string, changes: TreeChange[], userMode: boolean): Promise<AppliedChanges> {
  const writer = new FileWriter(repo, { hardlinks: false, union: false, userMode, umask: process.umask() });
  const abs = (rel: string): string => (rel === '' ? root : `${root}/${rel}`);
  const result: AppliedChanges = { touched: new Set(), written: new Map() };
  const dirMetas: Array<{ rel: string; meta: DirMeta; sum: Checksum }> = [];
  const files: Array<{ rel: string; sum: Checksum }> = [];
  try {
    for (const c of changes) {
      if (c.kind === 'remove' || c.kind === 'write-file' || c.kind === 'write-dir') {
        rmSync(abs(c.rel), { recursive: true, force: true });
        result.touched.add(c.rel);
      }
    }
    const writes = changes.filter((c) => c.kind === 'write-file' || c.kind === 'write-dir').sort((a, b) => (a.rel < b.rel ? -1 : 1));
    for (const c of writes) {
      if (c.kind === 'write-file') {
        writer.writeFile(c.sum, abs(c.rel));
        files.push({ rel: c.rel, sum: c.sum });
      } else if (c.kind === 'write-dir') {
        writeDir(repo, writer, abs, c.rel, c.tree, c.meta, dirMetas, files);
      }
    }
    await Promise.all(writer.streams.splice(0));
    for (const c of changes) if (c.kind === 'dir-meta') dirMetas.push({ rel: c.rel, meta: repo.readDirMetaSync(c.meta), sum: c.meta });
    dirMetas.sort((a, b) => b.rel.split('/').length - a.rel.split('/').length || (a.rel < b.rel ? 1 : -1));
    for (const d of dirMetas) writer.applyDirMeta(abs(d.rel), d.meta);
  } catch (err) {
    throw writeError(err, root, 'update the worktree');
  }
  // Stamped after every write, so a stamp is the stat of exactly what was written.
  for (const f of files) result.written.set(f.rel, { stamp: stampOf(lstatSync(abs(f.rel)), f.sum), isDir: false });
  for (const d of dirMetas) result.written.set(d.rel, { stamp: stampOf(lstatSync(abs(d.rel)), d.sum), isDir: true });
  return result;
}

function writeDir(
  repo: Repo, writer: FileWriter, abs: (rel: string) => string, rel: string, tree: Checksum, meta: Checksum,
  dirMetas: Array<{ rel: string; meta: DirMeta; sum: Checksum }>, files: Array<{ rel: string; sum: Checksum }>,
): void {
  writer.makeDir(abs(rel), false);
  const t = repo.readDirTreeSync(tree);
  for (const f of t.files) {
    const r = `${rel}/${f.name}`;
    writer.writeFile(f.checksum, abs(r));
    files.push({ rel: r, sum: f.checksum });
  }
  for (const d of t.dirs) writeDir(repo, writer, abs, `${rel}/${d.name}`, d.tree, d.meta, dirMetas, files);
  dirMetas.push({ rel, meta: repo.readDirMetaSync(meta), sum: meta });
}
