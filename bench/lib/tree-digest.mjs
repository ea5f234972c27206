// One hash over a checked-out tree (names, types, permission bits, symlink targets and file
// contents), so the two tools' checkouts can be compared without keeping either.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** @returns {{ digest: string, entries: number, files: number, hardlinked: number }} */
export function treeDigest(root) {
  const hash = createHash('sha256');
  const counts = { entries: 0, files: 0, hardlinked: 0 };
  walk(root, '', hash, counts);
  return { digest: hash.digest('hex'), ...counts };
}

function walk(dir, rel, hash, counts) {
  const names = readdirSync(dir).sort();
  for (const name of names) {
    const path = join(dir, name);
    const relPath = `${rel}/${name}`;
    const st = lstatSync(path);
    const mode = (st.mode & 0o7777).toString(8);
    counts.entries++;
    if (st.isDirectory()) {
      hash.update(`d ${relPath} ${mode}\n`);
      walk(path, relPath, hash, counts);
    } else if (st.isSymbolicLink()) {
      hash.update(`l ${relPath} ${readlinkSync(path)}\n`);
    } else if (st.isFile()) {
      counts.files++;
      if (st.nlink > 1) counts.hardlinked++;
      const content = createHash('sha256').update(readFileSync(path)).digest('hex');
      hash.update(`f ${relPath} ${mode} ${st.size} ${content}\n`);
    } else {
      hash.update(`? ${relPath} ${mode}\n`);
    }
  }
}
