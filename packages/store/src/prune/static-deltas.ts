import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { fsError } from '../fsio/fs-error.js';

/** A static delta folder: its logical name (`FROM-TO` or `TO`, hex) and path under deltas/. */
export interface StaticDeltaDir {
  name: string;
  from: Checksum | null;
  to: Checksum;
  rel: string;
}

/** OSTree's "modified base64" of a checksum (§7): standard base64, `/` as `_`, no `=`; 43 chars. */
function fromModifiedBase64(text: string): Checksum | null {
  if (!/^[A-Za-z0-9+_]{43}$/.test(text)) return null;
  const bytes = Buffer.from(`${text.replace(/_/g, '/')}=`, 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : null;
}

/** Every static delta folder under deltas/ (`XX/REST` for TO, `XX/REST-TO` for FROM-TO, §7). */
export async function listStaticDeltas(repo: Repo): Promise<StaticDeltaDir[]> {
  const root = join(repo.path, 'deltas');
  const out: StaticDeltaDir[] = [];
  let prefixes: string[];
  try {
    prefixes = await fs.readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw fsError(err, { action: 'cannot list', path: root });
  }
  for (const p of prefixes) {
    if (p.length !== 2) continue;
    const names = await fs.readdir(join(root, p)).catch(() => [] as string[]);
    for (const n of names) {
      const [first, second] = n.split('-');
      const head = fromModifiedBase64(p + first);
      if (head === null) continue;
      if (second === undefined) {
        out.push({ name: head, from: null, to: head, rel: `deltas/${p}/${n}` });
        continue;
      }
      const to = fromModifiedBase64(second);
      if (to === null) continue;
      out.push({ name: `${head}-${to}`, from: head, to, rel: `deltas/${p}/${n}` });
    }
  }
  return out;
}

/**
 * Removes the static deltas whose TO commit is no longer in the repository (the FROM is not
 * checked), as ostree_repo_prune_static_deltas does after a prune; `gone` adds commits a dry run
 * would have deleted. Returns their names.
 */
export async function pruneStaticDeltas(repo: Repo, opts: { dryRun: boolean; gone?: ReadonlySet<Checksum> }): Promise<string[]> {
  const removed: string[] = [];
  for (const d of await listStaticDeltas(repo)) {
    // A dry run names the deltas of the commits it would delete.
    if (repo.hasObjectSync(d.to, 'commit') && !opts.gone?.has(d.to)) continue;
    removed.push(d.name);
    if (opts.dryRun) continue;
    const path = join(repo.path, d.rel);
    try {
      await fs.rm(path, { recursive: true, force: true });
    } catch (err) {
      throw fsError(err, { action: 'cannot remove the static delta', path });
    }
  }
  return removed;
}
