// A reader that stops early (`osgit log | head -1`) closes the pipe under osgit: the command ends
// quietly with its own status, as git does, and never prints a stack trace. Both the oclif path
// (log) and the fast paths that skip oclif (status, commit in a worktree) are checked.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OSGIT_BIN, osgit } from './helpers/tools.js';

/** Runs osgit with its stdout a pipe that the reader closes at once; returns exit status and stderr. */
function runWithClosedStdout(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OSGIT_BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('output to a closed pipe', () => {
  let dir: string;
  let repo: string;
  let wt: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osgit-closed-out-'));
    repo = join(dir, 'repo');
    wt = join(dir, 'wt');
    const tree = join(dir, 'tree');
    await mkdir(tree);
    for (let i = 0; i < 50; i++) await writeFile(join(tree, `f${i}`), `file ${i}\n`);
    const steps = [
      ['init', '--repo', repo, '--mode', 'bare-user'],
      ['commit', '--repo', repo, '-b', 'main', '-s', 'one', '--timestamp=@1700000000', tree],
      ['commit', '--repo', repo, '-b', 'main', '-s', 'two', '--timestamp=@1700000100', tree],
      ['worktree', 'add', '--repo', repo, wt, 'main'],
    ];
    for (const args of steps) {
      const r = await osgit(args);
      expect(r.code, r.stderr).toBe(0);
    }
    for (let i = 0; i < 50; i++) await writeFile(join(wt, `f${i}`), `changed ${i}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('log (through oclif) ends quietly with status 0', async () => {
    const r = await runWithClosedStdout(['log', '--repo', repo, 'main'], dir);
    expect(r.stderr).not.toMatch(/EPIPE|at .*\.js/);
    expect(r.code).toBe(0);
  });

  it('status (the fast path) ends quietly', async () => {
    const r = await runWithClosedStdout(['status'], wt);
    expect(r.stderr).not.toMatch(/EPIPE|at .*\.js/);
    expect(r.code).toBe(0);
  });

  it('a worktree commit (the fast path) still commits and ends quietly', async () => {
    const r = await runWithClosedStdout(['commit', '-s', 'three', '--timestamp=@1700000200'], wt);
    expect(r.stderr).not.toMatch(/EPIPE|at .*\.js/);
    expect(r.code).toBe(0);
    const log = await osgit(['log', '--repo', repo, 'main']);
    expect(log.stdout).toContain('three');
    const status = await osgit(['status'], { cwd: wt });
    expect(status.stdout).toMatch(/nothing to commit/);
  });
});
