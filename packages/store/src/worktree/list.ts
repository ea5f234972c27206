import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { readRef } from '../refs/refs.js';
import { MARKER_NAME, listStateIds, readState, exists } from './state.js';
import { findMarker } from './marker.js';

export interface WorktreeListEntry {
  id: string;
  path: string;
  branch: string;
  head: Checksum;
  /** the folder is still there with this worktree's marker */
  present: boolean;
  /** the branch still exists */
  branchExists: boolean;
  userMode: boolean;
}

/** Every registered worktree, by id, with whether its folder and branch still exist. */
export async function listWorktrees(repo: Repo): Promise<WorktreeListEntry[]> {
  const out: WorktreeListEntry[] = [];
  for (const id of listStateIds(repo)) {
    let s;
    try {
      s = readState(repo, id);
    } catch {
      continue; // a half-made state folder: prune drops it
    }
    const tip = await readRef(repo, { remote: null, name: s.branch }).catch(() => null);
    out.push({ id, path: s.path, branch: s.branch, head: s.head, present: isPresent(s.path, id), branchExists: tip !== null, userMode: s.userMode });
  }
  return out;
}

/** The folder exists and its marker names this id. */
export function isPresent(path: string, id: string): boolean {
  if (!exists(`${path}/${MARKER_NAME}`)) return false;
  try {
    return findMarker(path)?.marker.id === id;
  } catch {
    return false;
  }
}
