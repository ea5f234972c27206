import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type Checksum, isChecksum } from '../checksum.js';
import { StoreError } from '../errors.js';
import { atomicWriteFile } from '../fsio/atomic-write.js';
import type { Repo } from '../repo/repo.js';
import { lockFile } from '../fsio/file-lock.js';

/**
 * A bisection in progress, as kept in `<repo>/osgit/bisect/state.json`: one file, replaced
 * atomically (temp + fsync + rename) at every step, so a crash leaves the previous step or the
 * next one, never a mix of marks and log.
 */
export interface BisectState {
  version: 1;
  /** the newest commit known bad */
  bad: Checksum;
  goods: Checksum[];
  skips: Checksum[];
  /** the commit to test now; null once the bisection has decided (or cannot) */
  current: Checksum | null;
  /** absolute path of the plain checkout kept at the current commit (`start --checkout`), or null */
  checkout: string | null;
  /** replayable lines, as `git bisect log` prints them: comments and `osgit bisect …` commands */
  log: string[];
}

export function bisectDir(repo: Repo): string {
  return join(repo.path, 'osgit', 'bisect');
}

function statePath(repo: Repo): string {
  return join(bisectDir(repo), 'state.json');
}

/** The bisection in progress, or null when there is none. A damaged state file is BISECT_STATE. */
export async function readBisectState(repo: Repo): Promise<BisectState | null> {
  let text: string;
  try {
    text = await fs.readFile(statePath(repo), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (err) {
    throw damaged(repo, 'not JSON', err);
  }
  if (!isState(state)) throw damaged(repo, 'unexpected content');
  return state;
}

/** Like readBisectState, but BISECT_STATE when no bisection is in progress. */
export async function requireBisectState(repo: Repo): Promise<BisectState> {
  const state = await readBisectState(repo);
  if (!state) throw new StoreError('BISECT_STATE', 'no bisection in progress: start one with `osgit bisect start BAD GOOD`', { reason: 'not-started' });
  return state;
}

/** Replaces the state file atomically (creating `osgit/bisect/` if needed). */
export async function writeBisectState(repo: Repo, state: BisectState): Promise<void> {
  await fs.mkdir(bisectDir(repo), { recursive: true });
  await atomicWriteFile(statePath(repo), JSON.stringify(state, null, 2) + '\n', { fsync: repo.fsync });
}

/** Removes the state (the folder and everything in it); false when there was none. */
export async function removeBisectState(repo: Repo): Promise<boolean> {
  const existed = (await readBisectState(repo).catch(() => 'damaged')) !== null;
  await fs.rm(bisectDir(repo), { recursive: true, force: true });
  return existed;
}

function damaged(repo: Repo, why: string, cause?: unknown): StoreError {
  return new StoreError(
    'BISECT_STATE',
    `bisect state ${statePath(repo)} is damaged (${why}): drop it with \`osgit bisect reset\``,
    { reason: 'damaged', path: statePath(repo) },
    cause === undefined ? undefined : { cause },
  );
}

function isState(v: unknown): v is BisectState {
  if (!v || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  const checksums = (a: unknown) => Array.isArray(a) && a.every((c) => typeof c === 'string' && isChecksum(c));
  return (
    s.version === 1 &&
    typeof s.bad === 'string' && isChecksum(s.bad) &&
    checksums(s.goods) && checksums(s.skips) &&
    (s.current === null || (typeof s.current === 'string' && isChecksum(s.current))) &&
    (s.checkout === null || typeof s.checkout === 'string') &&
    Array.isArray(s.log) && s.log.every((l) => typeof l === 'string')
  );
}

/**
 * Runs `fn` holding the bisect lock (`<repo>/osgit/bisect.lock`, an OFD lock the kernel drops
 * if the process dies), so two bisect commands never interleave their read-modify-write of the
 * state: a `bisect good` typed while `bisect run` works is refused with REPO_LOCKED, not lost.
 */
export async function withBisectLock<T>(repo: Repo, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(join(repo.path, 'osgit'), { recursive: true });
  const path = join(repo.path, 'osgit', 'bisect.lock');
  const lock = await lockFile(path, { exclusive: true, timeoutMs: 0 });
  if (!lock) {
    throw new StoreError('REPO_LOCKED', 'another osgit bisect command (bisect run?) is working on this repository: wait for it, or stop it', { path });
  }
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
