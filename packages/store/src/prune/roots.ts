import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StoreError } from '../errors.js';
import { type Checksum, isChecksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { fsError } from '../fsio/fs-error.js';
import type { PruneRoot } from './mark.js';

/**
 * Every ref of the repository as a root: refs/heads (osgit's tags live there too, under
 * refs/heads/tags/), refs/remotes/REMOTE/..., and refs/mirrors/COLLECTION/... (ostree's
 * collection refs). Ref aliases (symlinks) are followed. A ref file that does not hold a
 * checksum is REF_CORRUPT: prune stops rather than lose what that ref held.
 */
export async function refRoots(repo: Repo, depth: number): Promise<PruneRoot[]> {
  const out: PruneRoot[] = [];
  const walk = async (dir: string, name: string, kind: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw fsError(err, { action: 'cannot list', path: dir });
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue; // temp files of atomic writes
      const path = join(dir, e.name);
      const child = name ? `${name}/${e.name}` : e.name;
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) isDir = (await fs.stat(path).catch(() => null))?.isDirectory() ?? false;
      if (isDir) {
        if (!e.isSymbolicLink()) await walk(path, child, kind);
        continue;
      }
      let text: string;
      try {
        text = await fs.readFile(path, 'latin1');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile, or a dangling alias
        throw fsError(err, { action: 'cannot read ref', path });
      }
      const commit = text.trimEnd();
      if (!isChecksum(commit)) {
        throw new StoreError('REF_CORRUPT', `ref ${kind}${child} holds no checksum (${JSON.stringify(commit.slice(0, 80))}); prune stopped before deleting anything`, { ref: `${kind}${child}`, path });
      }
      out.push({ commit, depth, source: `ref ${kind}${child}` });
    }
  };
  await walk(join(repo.path, 'refs', 'heads'), '', '');
  for (const top of ['remotes', 'mirrors']) {
    const dir = join(repo.path, 'refs', top);
    const groups = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const g of groups) if (g.isDirectory()) await walk(join(dir, g.name), '', top === 'remotes' ? `${g.name}:` : `(${g.name}) `);
  }
  return out;
}

/**
 * Deployments of the sysroot this repository belongs to (a repo at SYSROOT/ostree/repo): each
 * SYSROOT/ostree/deploy/STATEROOT/deploy/CHECKSUM.SERIAL folder keeps CHECKSUM, depth 0, as
 * ostree_sysroot_cleanup_prune_repo does. None for a repository elsewhere.
 */
export async function deploymentRoots(repo: Repo): Promise<PruneRoot[]> {
  if (basename(repo.path) !== 'repo' || basename(dirname(repo.path)) !== 'ostree') return [];
  const deployDir = join(dirname(repo.path), 'deploy');
  const out: PruneRoot[] = [];
  const stateroots = await fs.readdir(deployDir, { withFileTypes: true }).catch(() => []);
  for (const s of stateroots) {
    if (!s.isDirectory()) continue;
    const dir = join(deployDir, s.name, 'deploy');
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const m = /^([0-9a-f]{64})\.(\d+)$/.exec(e.name);
      if (!m || !e.isDirectory()) continue;
      out.push({ commit: m[1] as Checksum, depth: 0, source: `deployment ${s.name}/${e.name}` });
    }
  }
  return out;
}
