import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { type RefName, formatRef } from './ref-name.js';
import { readRef, walkRefFiles } from './refs.js';

/** One ref file as found on disk: its commit, or why it could not be read. */
export type ScannedRef =
  | { ref: RefName; name: string; commit: Checksum }
  | { ref: RefName; name: string; error: StoreError };

/**
 * Every ref file (refs/heads, and refs/remotes/* with `remotes`), sorted by name. Unlike
 * listRefs it does not stop at the first damaged ref: a file with a bad name, garbage content
 * or that cannot be read comes back with its error, so that fsck can report them all.
 */
export async function scanRefs(repo: Repo, opts: { remotes?: boolean } = {}): Promise<ScannedRef[]> {
  const refs: RefName[] = (await walkRefFiles(join(repo.path, 'refs', 'heads'), '')).map((name) => ({ remote: null, name }));
  if (opts.remotes) {
    const remotesDir = join(repo.path, 'refs', 'remotes');
    const remotes = await fs.readdir(remotesDir).catch(() => [] as string[]);
    for (const remote of remotes.sort()) {
      for (const name of await walkRefFiles(join(remotesDir, remote), '')) refs.push({ remote, name });
    }
  }
  const out: ScannedRef[] = [];
  for (const ref of refs) {
    const name = formatRef(ref);
    try {
      const commit = await readRef(repo, ref);
      if (commit) out.push({ ref, name, commit });
    } catch (err) {
      const error = err instanceof StoreError ? err : new StoreError('IO', `cannot read ref ${name}: ${(err as Error).message}`, { ref: name }, { cause: err });
      out.push({ ref, name, error });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
