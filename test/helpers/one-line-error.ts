/**
 * The CLI's error contract (DESIGN.md §7) as one assertion, shared by the CLI tests.
 */
import { expect } from 'vitest';
import type { RunResult } from './tools.js';

/**
 * Exit code `exit`, nothing on stdout, and on stderr one `osgit: error:` line (naming
 * `mentions`), optionally followed by one `hint:` line, with no stack trace and no raw Node
 * file-system message (`EACCES: permission denied, open ...`): those are named by the CLI.
 */
export function expectOneLineError(r: RunResult, exit: number, mentions?: string): void {
  const what = `exit ${r.code}\n--- stderr ---\n${r.stderr}--- stdout ---\n${r.stdout}`;
  expect(exit).toBeGreaterThan(0);
  expect(r.code, what).toBe(exit);
  expect(r.stdout, what).toBe('');
  expect(r.stderr.endsWith('\n'), what).toBe(true);
  const lines = r.stderr.slice(0, -1).split('\n');
  expect(lines[0], what).toMatch(/^osgit: error: \S/);
  expect(lines.length, what).toBeLessThanOrEqual(2);
  if (lines.length === 2) expect(lines[1], what).toMatch(/^hint: \S/);
  expect(r.stderr, what).not.toMatch(/^\s+at /m);
  expect(r.stderr, what).not.toMatch(/\bE[A-Z]{2,}: /);
  if (mentions !== undefined) expect(lines[0], what).toContain(mentions);
}
