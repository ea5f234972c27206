import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreError } from '../errors.js';
import { type Checksum, isChecksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';

/** The file at a worktree's root that names its repository and id; commits and status skip it. */
export const MARKER_NAME = '.osgit-worktree';

/** What `<repo>/osgit/worktrees/ID/worktree.json` holds. */
export interface WorktreeState {
  /** absolute path of the worktree folder */
  path: string;
  branch: string;
  /** the commit the worktree's files are based on */
  head: Checksum;
  /**
   * true when the files were checked out without ownership and xattrs (a non-root user): the
   * committed owner, xattrs and setuid/setgid bits of each path are kept from its head object
   */
  userMode: boolean;
}

/** The marker's JSON. */
export interface WorktreeMarker {
  repo: string;
  id: string;
}

export function worktreesDir(repo: Repo): string {
  return join(repo.path, 'osgit', 'worktrees');
}

export function stateDirOf(repo: Repo, id: string): string {
  return join(worktreesDir(repo), id);
}

/** Reads a worktree's state; NOT_A_WORKTREE when there is none (pruned, or never made). */
export function readState(repo: Repo, id: string): WorktreeState {
  const file = join(stateDirOf(repo, id), 'worktree.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new StoreError('NOT_A_WORKTREE', `worktree ${id} is not registered in ${repo.path} (no ${file}); it was removed or pruned`, { id, repo: repo.path }, { cause });
  }
  let parsed: Partial<WorktreeState>;
  try {
    parsed = JSON.parse(text) as Partial<WorktreeState>;
  } catch (cause) {
    throw new StoreError('REPO_CONFIG', `${file} is not valid JSON`, { path: file }, { cause });
  }
  if (typeof parsed.path !== 'string' || typeof parsed.branch !== 'string' || typeof parsed.head !== 'string' || !isChecksum(parsed.head)) {
    throw new StoreError('REPO_CONFIG', `${file} lacks path, branch or head`, { path: file });
  }
  return { path: parsed.path, branch: parsed.branch, head: parsed.head, userMode: parsed.userMode === true };
}

/** Writes a worktree's state atomically (temp + rename; it is small and rewritten whole). */
export function writeState(repo: Repo, id: string, state: WorktreeState): void {
  const dir = stateDirOf(repo, id);
  mkdirSync(dir, { recursive: true });
  writeAtomicSync(join(dir, 'worktree.json'), `${JSON.stringify(state, null, 2)}\n`);
}

/** Every registered worktree id, sorted. */
export function listStateIds(repo: Repo): string[] {
  try {
    return readdirSync(worktreesDir(repo)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
}

/**
 * The registered worktrees whose branch is `branch` (other than `exceptId`), with their state;
 * a half-made state folder is skipped (prune drops it).
 */
export function worktreesOnBranch(repo: Repo, branch: string, exceptId?: string): Array<{ id: string; state: WorktreeState }> {
  const out: Array<{ id: string; state: WorktreeState }> = [];
  for (const id of listStateIds(repo)) {
    if (id === exceptId) continue;
    let state: WorktreeState;
    try {
      state = readState(repo, id);
    } catch {
      continue;
    }
    if (state.branch === branch) out.push({ id, state });
  }
  return out;
}

/** temp + rename in the same folder, no fsync: worktree state is rebuilt from the files if lost. */
export function writeAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function exists(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
