import { promises as fs } from 'node:fs';
import { join, dirname } from 'node:path';
import { type Checksum, isChecksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { type RefName, refRelPath, validateRefName, validateRemoteName } from './ref-name.js';
import { fsyncDir } from '../fsio/atomic-write.js';
import { fsError } from '../fsio/fs-error.js';

/** One ref change, as git's reflog records it. */
export interface ReflogEntry {
  /** the value before the change; null when the ref did not exist */
  old: Checksum | null;
  /** the value after the change; null when the ref was deleted */
  new: Checksum | null;
  /** seconds since the epoch */
  timestamp: number;
  reason: string;
}

const NONE = '0'.repeat(64);

/** Where a ref's log lives: `<repo>/osgit/logs/refs/heads/NAME` (ostree ignores `osgit/`). */
export function reflogPath(repo: Repo, ref: RefName): string {
  return join(repo.path, 'osgit', 'logs', refRelPath(ref));
}

/**
 * Appends one line `OLD NEW UNIXTIME REASON` to the ref's log. Called by compareAndSwap while the
 * refs lock is held, so lines from concurrent writers never interleave. A log left ending in a
 * torn line (a crash mid-append) gets a newline first, so the torn fragment stays a line of its own
 * that readers skip. Fsynced when the repository fsyncs.
 */
export async function appendReflog(repo: Repo, ref: RefName, entry: ReflogEntry): Promise<void> {
  const path = reflogPath(repo, ref);
  const reason = entry.reason.replace(/[\r\n]+/g, ' ');
  const line = `${entry.old ?? NONE} ${entry.new ?? NONE} ${entry.timestamp} ${reason}\n`;
  try {
    await fs.mkdir(dirname(path), { recursive: true });
    const fh = await fs.open(path, 'a+', 0o644);
    try {
      const { size } = await fh.stat();
      let prefix = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) prefix = '\n';
      }
      await fh.appendFile(prefix + line);
      if (repo.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    if (repo.fsync && entry.old === null) await fsyncDir(dirname(path));
  } catch (err) {
    // The stale log of a ref deleted by other tools (ostree refs --delete) is in the way of this
    // one's folder, or the reverse: the ref change matters, its log does not.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST') return;
    throw fsError(err, { action: 'cannot append to the reflog', path });
  }
}

/**
 * The ref's log, newest first; empty when it has none. Lines that do not parse (a torn last line
 * after a crash, damage) are skipped: a reflog is a convenience, never a reason to fail.
 */
export async function readReflog(repo: Repo, ref: RefName): Promise<ReflogEntry[]> {
  validateRefName(ref.name);
  if (ref.remote !== null) validateRemoteName(ref.remote);
  let text: string;
  try {
    text = await fs.readFile(reflogPath(repo, ref), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return [];
    throw fsError(err, { action: 'cannot read the reflog', path: reflogPath(repo, ref) });
  }
  const lines = text.split('\n');
  // Without a final newline the last line may be cut short: only complete lines count.
  lines.pop();
  const out: ReflogEntry[] = [];
  for (const line of lines) {
    const m = /^([0-9a-f]{64}) ([0-9a-f]{64}) (-?\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [, old, nu, ts, reason] = m as unknown as [string, string, string, string, string];
    out.push({ old: old === NONE ? null : old, new: nu === NONE ? null : nu, timestamp: Number(ts), reason });
  }
  return out.reverse().filter((e) => (e.old === null || isChecksum(e.old)) && (e.new === null || isChecksum(e.new)));
}

/** Removes a ref's log (its ref was deleted, as git does). */
export async function deleteReflog(repo: Repo, ref: RefName): Promise<void> {
  await fs.rm(reflogPath(repo, ref), { force: true });
}

/** Moves a ref's log with the ref (renameBranch); nothing to do when it has none. */
export async function renameReflog(repo: Repo, from: RefName, to: RefName): Promise<void> {
  const src = reflogPath(repo, from);
  const dst = reflogPath(repo, to);
  await fs.mkdir(dirname(dst), { recursive: true });
  try {
    await fs.rename(src, dst);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(err, { action: 'cannot move the reflog', path: src });
  }
}
