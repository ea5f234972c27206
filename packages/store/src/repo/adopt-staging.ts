/**
 * Adoption of a dead transaction's staged objects (OSTree reuses the staging folders of the
 * current boot, §6): a pull or mirror killed with SIGKILL keeps what it had verified, and the next
 * transaction does not fetch it again. A process kill loses nothing the page cache holds, so a
 * file of the current boot is as its writer left it; but some writers create the object at its
 * final name and finish it in place (O_EXCL metadata, small bare files, then chown/xattrs/chmod),
 * so a kill can leave a torn or unfinished object under a valid name. Hence every object is
 * verified here before it is adopted: its checksum recomputed from the file as stored (header
 * from the file's own ownership, mode and xattrs in bare modes; inflated in archive), exactly as
 * fsck does. Anything else (temp files, a torn object, commits) is left behind and removed with
 * the dead folder.
 */
import { promises as fs, lutimesSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Checksum } from '../checksum.js';
import type { Repo } from './repo.js';
import { type ObjectType, MAX_METADATA_SIZE, objectExtension, parseObjectFileName } from '../objects/object-type.js';
import { verifyMetadataObject } from '../objects/verify-object.js';
import { encodeFileHeader, framedHeader, isSymlinkMode } from '../objects/file-header.js';
import { openFileObjectSync } from './file-object.js';
import { forEachLimit } from '../fsio/for-each-limit.js';

/**
 * Only objects named by their checksum are adopted. Commits and their detached metadata are
 * not: a commit object must reach objects/ only after everything it reaches (commit() moves
 * them last), and a dead pull's commit may have holes; they are small and fetched again.
 */
const ADOPTED: readonly ObjectType[] = ['dirtree', 'dirmeta', 'file'];

/**
 * Moves every verified object of the dead staging folder `from` into the staging folder `into`
 * (same filesystem: a rename), skipping those objects/ or `into` hold already. Returns how many
 * were adopted. Never throws for a bad object; `from` is left for the caller to remove.
 */
export async function adoptStagedObjects(repo: Repo, from: string, into: string): Promise<number> {
  const typeOfExt = new Map(ADOPTED.map((t) => [objectExtension(t, repo.mode), t]));
  const candidates: Array<{ sub: string; name: string; checksum: Checksum; type: ObjectType }> = [];
  for (const sub of await fs.readdir(from).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(sub)) continue; // temp files (partial-N) sit at the top level
    for (const name of await fs.readdir(join(from, sub)).catch(() => [] as string[])) {
      const parsed = parseObjectFileName(sub, name);
      const type = parsed ? typeOfExt.get(parsed.ext) : undefined;
      if (parsed && type) candidates.push({ sub, name, checksum: parsed.checksum, type });
    }
  }
  let adopted = 0;
  const made = new Set<string>();
  await forEachLimit(candidates, 8, async ({ sub, name, checksum, type }) => {
    const src = join(from, sub, name);
    const dest = join(into, sub, name);
    if (repo.hasObjectSync(checksum, type)) return;
    if (!(await isObject(repo, src, checksum, type))) return;
    if (!made.has(sub)) {
      await fs.mkdir(join(into, sub)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      made.add(sub);
    }
    // link + unlink rather than rename: never replaces an object already staged in `into`.
    try {
      await fs.link(src, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw err;
    }
    await fs.rm(src, { force: true });
    adopted++;
  });
  return adopted;
}

/** True if the file at `path` is the object `checksum` of `type`, complete, in the repo's mode. */
async function isObject(repo: Repo, path: string, checksum: Checksum, type: ObjectType): Promise<boolean> {
  try {
    if (type !== 'file') {
      const st = await fs.lstat(path);
      if (!st.isFile() || st.size > MAX_METADATA_SIZE) return false;
      verifyMetadataObject(checksum, type, await fs.readFile(path));
      return true;
    }
    const obj = openFileObjectSync(repo, checksum, path);
    const h = createHash('sha256');
    h.update(framedHeader(encodeFileHeader(obj.info)));
    if (!isSymlinkMode(obj.info.mode)) {
      let size = 0;
      for await (const chunk of obj.openContent()) {
        h.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      if (size !== obj.info.size) return false;
    }
    if (h.digest('hex') !== checksum) return false;
    // Bare writers set mtime 0 last (ostree's objects all have it); a kill may have come first.
    if (repo.mode !== 'archive') lutimesSync(path, 0, 0);
    return true;
  } catch {
    return false;
  }
}
