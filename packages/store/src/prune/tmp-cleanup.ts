import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from '../repo/repo.js';
import { tryLockFile } from '../fsio/file-lock.js';
import { removeStaleStaging } from '../repo/staging.js';

/** ostree's default `[core] tmp-expiry-secs`. */
const DEFAULT_TMP_EXPIRY_SECS = 86400;

/**
 * Cleans tmp/ as ostree does at the end of a transaction (§6), run by prune under the exclusive
 * lock so that no writer of either tool is using it:
 * - ostree's `staging-<boot>-<random>` folders whose `<name>-lock` file nobody holds, with that
 *   lock file (a held one belongs to a live transaction of some process);
 * - osgit's own staging folders whose owner is gone (removeStaleStaging), except those of this
 *   boot younger than the expiry, whose objects the next transaction adopts;
 * - tmp/cache/summaries/ entries of remotes that are no longer configured;
 * - any other entry (not `cache`) whose mtime is older than `[core] tmp-expiry-secs`; entries
 *   with a future mtime are left alone.
 * Returns the names removed (relative to tmp/).
 */
export async function cleanTmp(repo: Repo, opts: { dryRun: boolean; now?: number }): Promise<string[]> {
  const tmp = join(repo.path, 'tmp');
  const removed: string[] = [];
  const names = await fs.readdir(tmp).catch(() => [] as string[]);
  const expirySecs = Number(repo.config.get('core', 'tmp-expiry-secs') ?? DEFAULT_TMP_EXPIRY_SECS);
  const now = opts.now ?? Date.now();
  const remove = async (name: string): Promise<void> => {
    removed.push(name);
    if (!opts.dryRun) await fs.rm(join(tmp, name), { recursive: true, force: true });
  };
  const handled = new Set<string>();
  for (const name of names) {
    if (!name.startsWith('staging-') || name.endsWith('-lock')) continue;
    handled.add(name);
    handled.add(`${name}-lock`);
    const lock = await tryLockFile(join(tmp, `${name}-lock`), { exclusive: true, create: false });
    const hasLockFile = names.includes(`${name}-lock`);
    if (lock === null && hasLockFile) continue; // a live transaction holds it
    try {
      await remove(name);
      if (hasLockFile) await remove(`${name}-lock`);
    } finally {
      await lock?.release();
    }
  }
  // A dead folder of this boot younger than the expiry is left for the next transaction to adopt.
  if (!opts.dryRun) await removeStaleStaging(repo, { keepAdoptableSince: now - expirySecs * 1000 });
  for (const name of names) {
    if (handled.has(name) || name === 'cache' || name.startsWith('osgit-staging-')) continue;
    const st = await fs.lstat(join(tmp, name)).catch(() => null);
    if (!st) continue;
    if (st.mtimeMs > now) continue; // from the future: leave it, as ostree does
    if (st.mtimeMs < now - expirySecs * 1000) await remove(name);
  }
  // Pulled-summary caches of remotes that are gone (_ostree_repo_prune_tmp).
  const remotes = new Set(repo.config.groups().map((g) => /^remote "(.+)"$/.exec(g)?.[1]).filter((r): r is string => r !== undefined));
  const cacheDir = join(tmp, 'cache', 'summaries');
  for (const name of await fs.readdir(cacheDir).catch(() => [] as string[])) {
    const remote = name.endsWith('.sig') ? name.slice(0, -4) : name;
    if (remotes.has(remote)) continue;
    removed.push(`cache/summaries/${name}`);
    if (!opts.dryRun) await fs.rm(join(cacheDir, name), { force: true });
  }
  return removed;
}
