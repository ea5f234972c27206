// Runs one command and measures it: wall time from our own clock, peak RSS from GNU time
// (`%M`, the child's ru_maxrss in KiB: exact, and no polling that could miss a short peak).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

/** Fails early, with the fix, when GNU time is not installed. */
export function assertGnuTime() {
  if (!existsSync(GNU_TIME)) {
    throw new Error(`${GNU_TIME} not found: install GNU time (apt-get install time)`);
  }
}

/**
 * Runs `command args` to completion under GNU time. Never throws for a failing command: the
 * result says `ok: false` and carries the error line to show in the table.
 * @returns {{ ok: boolean, wallSeconds: number, peakKiB: number|null, cpuSeconds: number|null, stdout: string,
 *             stderr: string, status: number|null, error?: string }}
 */
export function measure(command, args, { cwd, env, timeoutSeconds = 1800 } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'osgit-bench-time-'));
  const timeFile = join(scratch, 'time');
  try {
    const started = process.hrtime.bigint();
    const child = spawnSync(GNU_TIME, ['-f', '%e %M %U %S', '-o', timeFile, command, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: timeoutSeconds * 1000,
      killSignal: 'SIGKILL',
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stdout = child.stdout ?? '';
    const stderr = child.stderr ?? '';
    // On failure GNU time writes "Command exited with non-zero status N" before the figures.
    let peakKiB = null;
    let cpuSeconds = null;
    if (existsSync(timeFile)) {
      const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
      const match = /^([\d.]+) (\d+) ([\d.]+) ([\d.]+)$/.exec(last);
      if (match) {
        peakKiB = Number(match[2]);
        // User + system CPU time: what a busy machine changes least.
        cpuSeconds = Number(match[3]) + Number(match[4]);
      }
    }
    const result = { ok: child.status === 0, wallSeconds, peakKiB, cpuSeconds, stdout, stderr, status: child.status };
    if (child.error?.code === 'ETIMEDOUT') {
      result.ok = false;
      result.error = `timed out after ${timeoutSeconds} s`;
    } else if (child.error) {
      result.ok = false;
      result.error = child.error.message;
    } else if (!result.ok) {
      result.error = `exit ${child.status ?? child.signal}: ${errorLine(stderr, stdout)}`;
    }
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The line of a failed command's output that best says what went wrong. */
function errorLine(stderr, stdout) {
  const lines = `${stderr}\n${stdout}`
    .split('\n')
    .map((line) => line.replace(/\x1b\[[0-9;]*m/g, '').replace(/^[^\w/.(]+/, '').trim())
    .filter(Boolean);
  const named = lines.find((line) => /error/i.test(line));
  const line = named ?? lines[0] ?? 'no output';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** A commit's checksum: the last line of the command's output (ostree prints only that). */
export function checksumFromOutput(stdout) {
  const last = stdout.trim().split('\n').pop()?.trim() ?? '';
  const match = /([0-9a-f]{64})\s*$/.exec(last);
  return match ? match[1] : null;
}
