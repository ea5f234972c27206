import { promises as fs } from 'node:fs';
import { join, dirname } from 'node:path';
import { StoreError } from '../errors.js';
import { type Checksum, isChecksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { type RefName, refRelPath, formatRef, validateRefName, validateRemoteName } from './ref-name.js';
import { atomicWriteFile } from '../fsio/atomic-write.js';
import { type FileLock, lockFile } from '../fsio/file-lock.js';
import { acquireLock, lockSettings } from '../repo/lock.js';
import { fsError } from '../fsio/fs-error.js';
import { appendReflog, deleteReflog } from './reflog.js';

/**
 * The commit a ref points at, or null when there is no such ref. A bad ref NAME is REF_INVALID
 * (what the caller typed); a ref file that exists but does not hold a checksum is REF_CORRUPT
 * (damaged data); one that cannot be read is a file-system error (PERMISSION_DENIED, IO...).
 */
export async function readRef(repo: Repo, ref: RefName): Promise<Checksum | null> {
  checkRefName(ref);
  let text: string;
  try {
    text = await fs.readFile(join(repo.path, refRelPath(ref)), 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw fsError(err, { action: `cannot read ref ${formatRef(ref)} at`, path: join(repo.path, refRelPath(ref)) });
  }
  const value = text.trimEnd();
  if (!isChecksum(value)) {
    throw new StoreError('REF_CORRUPT', `ref ${formatRef(ref)} holds an invalid checksum ${JSON.stringify(value.slice(0, 80))}`, { ref: formatRef(ref) });
  }
  return value;
}

/** Both parts of a ref name must be safe before either becomes part of a path. */
function checkRefName(ref: RefName): void {
  validateRefName(ref.name);
  if (ref.remote !== null) validateRemoteName(ref.remote);
}

export interface RefEntry {
  ref: RefName;
  commit: Checksum;
}

/** Every local ref (refs/heads), and with `remotes` every remote-tracking ref, sorted by name. */
export async function listRefs(repo: Repo, opts: { remotes?: boolean } = {}): Promise<RefEntry[]> {
  const out: RefEntry[] = [];
  const heads = join(repo.path, 'refs', 'heads');
  for (const name of await walkRefFiles(heads, '')) {
    const ref = { remote: null, name };
    const commit = await readRef(repo, ref);
    if (commit) out.push({ ref, commit });
  }
  if (opts.remotes) {
    const remotesDir = join(repo.path, 'refs', 'remotes');
    let remotes: string[] = [];
    try {
      remotes = await fs.readdir(remotesDir);
    } catch {
      /* none */
    }
    for (const remote of remotes.sort()) {
      for (const name of await walkRefFiles(join(remotesDir, remote), '')) {
        const ref = { remote, name };
        const commit = await readRef(repo, ref);
        if (commit) out.push({ ref, commit });
      }
    }
  }
  return out.sort((a, b) => (formatRef(a.ref) < formatRef(b.ref) ? -1 : 1));
}

/** Names of the ref files under `dir` (recursively, `prefix/`-joined), skipping temp files. */
export async function walkRefFiles(dir: string, prefix: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // temp files of atomic writes
    const name = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walkRefFiles(join(dir, e.name), name)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(name);
  }
  return out;
}

export interface RefUpdate {
  ref: RefName;
  /** what the ref must hold now for the update to apply: a checksum, or null for "must not exist" */
  expected: Checksum | null | undefined;
  /** the new value, or null to delete the ref */
  value: Checksum | null;
  /** why, for the reflog (`commit`, `merge: fast-forward`, `branch: created from main`); default `update` */
  reason?: string;
}

/**
 * Moves a ref by compare-and-swap: if `expected` is given (null = must not exist) and the ref
 * holds something else, REF_CONFLICT and nothing changes. The write is atomic (temp + fsync +
 * rename), under the repository's shared lock, so never while prune runs. Each change is
 * logged in the ref's reflog (see reflog.ts) under the same lock;
 * deleting a ref deletes its log, as git does. Callers write objects first and refs last.
 */
export async function updateRef(repo: Repo, update: RefUpdate): Promise<void> {
  checkRefName(update.ref);
  const path = join(repo.path, refRelPath(update.ref));
  try {
    await fs.mkdir(dirname(path), { recursive: true });
  } catch (cause) {
    throw new StoreError('REF_INVALID', `cannot create ref ${formatRef(update.ref)}: a ref is in the way of its folder`, { ref: formatRef(update.ref) }, { cause });
  }
  // The repository's shared lock too (a second hold when a transaction has it already): a ref
  // that moves while prune marks could point at a commit prune is about to delete.
  const repoLock = await acquireLock(repo.path, 'shared');
  try {
    const lock = await lockRefs(repo, formatRef(update.ref));
    try {
      await compareAndSwap(repo, path, update);
    } finally {
      await lock.release();
    }
  } finally {
    await repoLock.release();
  }
}

async function compareAndSwap(repo: Repo, path: string, update: RefUpdate): Promise<void> {
  // An unconditional update may overwrite a damaged ref (that is how one repairs it).
  const current = update.expected !== undefined ? await readRef(repo, update.ref) : await readRef(repo, update.ref).catch(() => null);
  if (update.expected !== undefined) {
    if (current !== update.expected) {
      throw new StoreError(
        'REF_CONFLICT',
        `ref ${formatRef(update.ref)} is at ${current ?? '(none)'}, expected ${update.expected ?? '(none)'}; someone else moved it`,
        { ref: formatRef(update.ref), current, expected: update.expected },
      );
    }
  }
  if (update.value === null) {
    await fs.rm(path, { force: true });
    await deleteReflog(repo, update.ref);
    return;
  }
  // Log first, as git does: a crash in between leaves a line for a change that did not happen,
  // never a change without its line.
  if (current !== update.value) {
    const entry = { old: current, new: update.value, timestamp: Math.floor(Date.now() / 1000), reason: update.reason ?? 'update' };
    await appendReflog(repo, update.ref, entry);
  }
  await atomicWriteFile(path, `${update.value}\n`, { fsync: repo.fsync });
}

/**
 * Serializes every compare-and-swap of this repository's refs: an exclusive OFD lock on
 * `<repo>/osgit/locks/refs.lock` (outside refs/, where ostree would list it as a ref), held only
 * for the read-compare-write. The file is never deleted; the kernel drops a dead holder's lock.
 */
async function lockRefs(repo: Repo, display: string): Promise<FileLock> {
  const dir = join(repo.path, 'osgit', 'locks');
  await fs.mkdir(dir, { recursive: true });
  const path = join(dir, 'refs.lock');
  const { timeoutMs } = lockSettings(repo.config);
  const lock = await lockFile(path, { exclusive: true, timeoutMs });
  if (!lock) {
    throw new StoreError('REPO_LOCKED', `timed out waiting for ${path} to update ref ${display}: another osgit process holds it`, { ref: display, lockFile: path });
  }
  return lock;
}
