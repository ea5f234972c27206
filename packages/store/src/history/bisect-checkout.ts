import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { checkout, type CheckoutProgress } from '../checkout/checkout.js';

/**
 * Puts a plain checkout of `commit` at `dir`, replacing what a previous step left there. The
 * files are copies in user mode (never hardlinks into the repository, so a test that writes to
 * them cannot damage an object). The new tree is written beside `dir` and renamed into place,
 * so `dir` holds one whole commit or the previous one, never a half-written mix.
 */
export async function replaceBisectCheckout(
  repo: Repo, commit: Checksum, dir: string, onProgress?: (p: CheckoutProgress) => void,
): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  const fresh = join(dirname(dir), `.${basename(dir)}.osgit-bisect-${tag}`);
  const old = join(dirname(dir), `.${basename(dir)}.osgit-bisect-old-${tag}`);
  try {
    await checkout(repo, { commit, destination: fresh, userMode: true, ...(onProgress ? { onProgress } : {}) });
  } catch (err) {
    await removeTree(fresh);
    throw err;
  }
  let hadOld = true;
  try {
    await fs.rename(dir, old);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      await removeTree(fresh);
      throw err;
    }
    hadOld = false;
  }
  await fs.rename(fresh, dir);
  if (hadOld) await removeTree(old);
}

/** Checks `commit` out (copies, user mode) into a new folder under the repository's tmp/; returns its path. */
export async function temporaryBisectCheckout(
  repo: Repo, commit: Checksum, onProgress?: (p: CheckoutProgress) => void,
): Promise<{ path: string; remove: () => Promise<void> }> {
  const parent = await fs.mkdtemp(join(repo.path, 'tmp', 'osgit-bisect-'));
  const path = join(parent, 'tree');
  const remove = () => removeTree(parent);
  try {
    await checkout(repo, { commit, destination: path, userMode: true, ...(onProgress ? { onProgress } : {}) });
  } catch (err) {
    await remove();
    throw err;
  }
  return { path, remove };
}

/**
 * Removes a checked-out tree. A tree may hold folders without write permission (a commit's
 * /usr is often 0555): for a user other than root they are made writable first.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await fs.rm(path, { recursive: true, force: true });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
  }
  await makeWritable(path);
  await fs.rm(path, { recursive: true, force: true });
}

async function makeWritable(dir: string): Promise<void> {
  let st;
  try {
    st = await fs.lstat(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  await fs.chmod(dir, (st.mode & 0o7777) | 0o700).catch(() => undefined);
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) await makeWritable(join(dir, name));
}
