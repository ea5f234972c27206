import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { StoreError } from '../errors.js';
import type { Repo } from '../repo/repo.js';
import { listStateIds, readState, stateDirOf } from './state.js';
import { isPresent, listWorktrees, type WorktreeListEntry } from './list.js';
import { Worktree } from './worktree.js';

/**
 * Deletes a worktree's folder and state. Refuses (LOCAL_CHANGES naming the paths) when the files
 * differ from its head, unless `force`. `dir` is the folder (or the worktree's id).
 */
export async function removeWorktree(repo: Repo, dir: string, opts: { force?: boolean } = {}): Promise<WorktreeListEntry> {
  const abs = resolve(dir);
  const all = await listWorktrees(repo);
  const entry = all.find((w) => w.path === abs) ?? all.find((w) => w.id === dir);
  if (!entry) throw new StoreError('NOT_A_WORKTREE', `${abs} is not a worktree of ${repo.path} (osgit worktree list shows them)`, { path: abs });
  if (entry.present && !opts.force) {
    const wt = Worktree.open(repo, entry.id);
    const changed = await wt.localChanges();
    if (changed.length > 0) {
      const paths = changed.map((e) => e.path);
      throw new StoreError(
        'LOCAL_CHANGES',
        `the worktree at ${entry.path} has uncommitted changes (${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ', ...' : ''}); commit them, or remove with --force`,
        { paths },
      );
    }
  }
  if (entry.present) rmSync(entry.path, { recursive: true, force: true });
  rmSync(stateDirOf(repo, entry.id), { recursive: true, force: true });
  return { ...entry, present: false };
}

/** Drops the state of every worktree whose folder is gone (or no longer holds its marker). */
export function pruneWorktrees(repo: Repo, opts: { dryRun?: boolean } = {}): Array<{ id: string; path: string; branch: string }> {
  const out: Array<{ id: string; path: string; branch: string }> = [];
  for (const id of listStateIds(repo)) {
    let s;
    try {
      s = readState(repo, id);
    } catch {
      if (!opts.dryRun) rmSync(stateDirOf(repo, id), { recursive: true, force: true });
      out.push({ id, path: '', branch: '' });
      continue;
    }
    if (isPresent(s.path, id)) continue;
    if (!opts.dryRun) rmSync(stateDirOf(repo, id), { recursive: true, force: true });
    out.push({ id, path: s.path, branch: s.branch });
  }
  return out;
}
