import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Checksum } from '../checksum.js';
import type { RepoMode } from '../repo/config.js';
import { fsError } from '../fsio/fs-error.js';
import { forEachLimit } from '../fsio/for-each-limit.js';

/** The loose-object kinds prune counts and may delete (ostree_repo_list_objects, §6). */
export type PrunableType = 'commit' | 'dirtree' | 'dirmeta' | 'file';

export interface LooseObject {
  checksum: Checksum;
  type: PrunableType;
  /** `<checksum>.<ext>`: the key the mark phase records */
  key: string;
  /** path relative to objects/ */
  rel: string;
}

const HEX2 = /^[0-9a-f]{2}$/;
const REST = /^[0-9a-f]{62}$/;

/**
 * Every loose object of the kinds OSTree lists (commit, dirtree, dirmeta, and content as `.file`
 * in bare modes or `.filez` in archive mode): one readdir of each of the 256 fan-out folders,
 * several at once. Detached metadata, tombstones, temp files and anything else are not objects
 * here, as in ostree, so they are neither counted nor deleted by name.
 */
export async function listLooseObjects(repoPath: string, mode: RepoMode): Promise<LooseObject[]> {
  const objects = join(repoPath, 'objects');
  let subs: string[];
  try {
    subs = (await fs.readdir(objects)).filter((s) => HEX2.test(s));
  } catch (err) {
    throw fsError(err, { action: 'cannot list', path: objects });
  }
  const contentExt = mode === 'archive' ? 'filez' : 'file';
  const found: LooseObject[][] = [];
  await forEachLimit(subs, 8, async (sub) => {
    let names: string[];
    try {
      names = await fs.readdir(join(objects, sub));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw fsError(err, { action: 'cannot list', path: join(objects, sub) });
    }
    const here: LooseObject[] = [];
    for (const name of names) {
      const dot = name.indexOf('.');
      if (dot !== 62 || !REST.test(name.slice(0, 62))) continue;
      const ext = name.slice(63);
      const type: PrunableType | null =
        ext === 'commit' ? 'commit' : ext === 'dirtree' ? 'dirtree' : ext === 'dirmeta' ? 'dirmeta' : ext === contentExt ? 'file' : null;
      if (type === null) continue;
      here.push({ checksum: sub + name.slice(0, 62), type, key: sub + name, rel: `${sub}/${name}` });
    }
    found.push(here);
  });
  return found.flat();
}
