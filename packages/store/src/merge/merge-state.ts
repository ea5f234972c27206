import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import { atomicWriteFile } from '../fsio/atomic-write.js';
import type { MergeConflict } from './conflict.js';
import type { TreeRoot } from './merge-trees.js';

/** What an unfinished merge, cherry-pick or revert in a worktree needs to be finished or undone. */
export interface MergeState {
  operation: 'merge' | 'cherry-pick' | 'revert';
  /** the revision as typed, and the commit it named */
  rev: string;
  theirs: Checksum;
  /** the worktree's head when the operation began (the commit's first parent) */
  head: Checksum;
  headRoot: TreeRoot;
  /** the tree written into the files (conflict markers included) */
  mergedRoot: TreeRoot;
  /** parents after the head for the commit (merge: [theirs]) */
  extraParents: Checksum[];
  subject: string;
  body: string;
  conflicts: MergeConflict[];
}

/** The file in a worktree's state folder (`<repo>/osgit/worktrees/ID/`) that holds the state; git's MERGE_HEAD and friends in one. */
export const MERGE_STATE_FILE = 'MERGE_STATE.json';

/** The unfinished operation of a worktree (by its state folder), or null. */
export function readMergeState(stateDir: string): MergeState | null {
  const file = join(stateDir, MERGE_STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return JSON.parse(text) as MergeState;
  } catch (cause) {
    throw new StoreError('OBJECT_CORRUPT', `the merge state ${file} is not valid JSON; finish by hand with osgit merge --abort`, { path: file }, { cause });
  }
}

export async function writeMergeState(stateDir: string, state: MergeState): Promise<void> {
  await atomicWriteFile(join(stateDir, MERGE_STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}

export function clearMergeState(stateDir: string): void {
  rmSync(join(stateDir, MERGE_STATE_FILE), { force: true });
}
