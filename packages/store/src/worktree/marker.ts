import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import { MARKER_NAME, type WorktreeMarker } from './state.js';

/**
 * The nearest folder at or above `dir` holding a worktree marker, with the marker's content;
 * null when there is none. A marker that cannot be parsed is NOT_A_WORKTREE naming it.
 */
export function findMarker(dir: string): { root: string; marker: WorktreeMarker } | null {
  for (let d = resolve(dir); ; ) {
    const marker = readMarkerAt(d);
    if (marker) return { root: d, marker };
    const up = dirname(d);
    if (up === d) return null;
    d = up;
  }
}

/** The marker in folder `d`, or null when it has none. */
export function readMarkerAt(d: string): WorktreeMarker | null {
  const file = join(d, MARKER_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw new StoreError('NOT_A_WORKTREE', `cannot read the worktree marker ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
  }
  return parseMarker(text, file);
}

export function parseMarker(text: string, file: string): WorktreeMarker {
  let m: Partial<WorktreeMarker> | null = null;
  try {
    m = JSON.parse(text) as Partial<WorktreeMarker>;
  } catch {
    /* reported below */
  }
  if (!m || typeof m.repo !== 'string' || typeof m.id !== 'string' || !/^[A-Za-z0-9._-]+$/.test(m.id) || m.id.startsWith('.')) {
    throw new StoreError('NOT_A_WORKTREE', `${file} is not a valid worktree marker (expected {"repo": PATH, "id": ID})`, { path: file });
  }
  return { repo: m.repo, id: m.id };
}
