/**
 * System tools for interop tests: find them (loudly in CI), run them, and run the osgit CLI.
 * See DESIGN.md §8: tests that need a system tool say so when it is missing; CI installs them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian package that provides each tool the tests use. */
const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  ostree: 'ostree',
  setcap: 'libcap2-bin',
  getcap: 'libcap2-bin',
  setfattr: 'attr',
  getfattr: 'attr',
  nginx: 'nginx-light',
  'qemu-system-x86_64': 'qemu-system-x86',
  gpg: 'gnupg',
  python3: 'python3',
  openssl: 'openssl',
  '/usr/bin/python3': 'python3',
  unshare: 'util-linux',
  script: 'bsdutils',
  setpriv: 'util-linux',
};

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function findOnPath(name: string): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Absolute path of system binary `name`, or null when it is missing (so the caller can
 * `describe.skipIf(!tool)`). Under CI (`$CI` set) a missing tool is an error that names the
 * Debian package to install, because CI must run every interop test.
 */
export function requireTool(name: string): string | null {
  const found = findOnPath(name);
  if (found) return found;
  const pkg = DEBIAN_PACKAGES[name] ?? '<unknown: add it to DEBIAN_PACKAGES in test/helpers/tools.ts>';
  const message =
    `REQUIRED TOOL MISSING: '${name}' is not installed. ` +
    `Install the Debian package '${pkg}' (apt-get install -y ${pkg}); ` +
    `interop tests against it cannot run without it.`;
  if (process.env.CI) throw new Error(message);
  console.warn(`[skip] ${message}`);
  return null;
}

/** True when running as root (needed for chown, security.* xattrs, bare-mode checkouts). */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * For tests that need root (ownership, security.capability): true when root; otherwise false
 * (so the caller can skip) or, under CI, an error, because CI must run every interop test.
 */
export function requireRoot(): boolean {
  if (isRoot) return true;
  const message = 'REQUIRES ROOT: interop tests with ownership and security.* xattrs must run as root (uid 0).';
  if (process.env.CI) throw new Error(message);
  console.warn(`[skip] ${message}`);
  return false;
}

export interface RunOptions {
  cwd?: string;
  /** Extra environment, merged over process.env. */
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  /** Kill the child after this long (default 5 minutes). */
  timeoutMs?: number;
  /** start() only: leave the child's stdin open (for a test to write to or close later). */
  keepStdinOpen?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Signal that ended the process, if any. */
  signal: NodeJS.Signals | null;
}

/**
 * Runs `cmd args` to completion and captures its output. Never rejects for a non-zero exit.
 * Asynchronous on purpose: a test process must keep its event loop turning while a child runs,
 * or vitest's own RPC to it times out on a loaded machine (spawnSync blocks for the whole child run).
 */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // A child that exits without reading its input must not fail the run with EPIPE.
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.input);
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      child.on('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' ? new Error(`cannot run '${cmd}': not found`) : err),
      );
      child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, signal }));
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Like `run`, but rejects (with the command, exit code and stderr) unless the exit code is 0. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(describeFailure(cmd, args, r));
  return r;
}

export function describeFailure(cmd: string, args: readonly string[], r: RunResult): string {
  return (
    `command failed (exit ${r.code}${r.signal ? `, signal ${r.signal}` : ''}): ${cmd} ${args.map(quote).join(' ')}\n` +
    `--- stderr ---\n${r.stderr.trimEnd()}\n--- stdout ---\n${r.stdout.slice(-4000).trimEnd()}`
  );
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A started child process with its collected output. */
export interface Started {
  child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  done: Promise<RunResult>;
  /**
   * Sends `signal` to the child's whole process group (the child leads its own group), so that
   * helpers it spawned die with it, as in a power cut. No-op once the group is gone.
   */
  killGroup(signal?: NodeJS.Signals): void;
}

/** Starts `cmd args` asynchronously in its own process group (for tests that must kill it midway). */
export function start(cmd: string, args: readonly string[], opts: RunOptions = {}): Started {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  else if (!opts.keepStdinOpen) child.stdin?.end();
  const done = new Promise<RunResult>((resolve) => {
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: stderr + String(err), signal: null }));
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, signal }),
    );
  });
  const killGroup = (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  return { child, done, killGroup };
}

/**
 * Path of the osgit CLI entry point (packages/cli/bin/run.js). `$OSGIT_TEST_CLI` replaces it
 * with another node script; test/helpers/ostree-shim.mjs (ostree behind osgit's flags) uses this to
 * check that the interop tests themselves pass when "osgit" behaves exactly like ostree.
 */
export const OSGIT_BIN = process.env.OSGIT_TEST_CLI || fileURLToPath(new URL('../../packages/cli/bin/run.js', import.meta.url));

/** Environment that keeps osgit's output plain (no colours, no progress bars, no ambient repo). */
const OSGIT_ENV: Record<string, string | undefined> = { NO_COLOR: '1', FORCE_COLOR: '0', OSGIT_REPO: undefined };

/** Runs the osgit CLI (`node packages/cli/bin/run.js ARGS`). */
export function osgit(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [OSGIT_BIN, ...args], { ...opts, env: { ...OSGIT_ENV, ...opts.env } });
}

/** Runs the osgit CLI and rejects unless it exits 0. */
export async function osgitOk(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await osgit(args, opts);
  if (r.code !== 0) throw new Error(describeFailure('osgit', args, r));
  return r;
}

/** Starts the osgit CLI asynchronously. */
export function startOsgit(args: readonly string[], opts: RunOptions = {}): Started {
  return start(process.execPath, [OSGIT_BIN, ...args], { ...opts, env: { ...OSGIT_ENV, ...opts.env } });
}

/** uid and gid of `nobody`, the unprivileged user tests run the CLI as. */
export const NOBODY = 65534;

/**
 * Starts the osgit CLI as `nobody` through setpriv (util-linux), so that a test meets the
 * permission errors a user meets: root ignores file permissions. Needs root and the path of
 * setpriv (`requireTool('setpriv')`); HOME points at `home`, a folder nobody may write, so oclif
 * does not try root's. Every folder on the way to what the CLI touches must be searchable by nobody.
 */
export function startOsgitAsNobody(setpriv: string, home: string, args: readonly string[], opts: RunOptions = {}): Started {
  const who = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
  return start(setpriv, [...who, process.execPath, OSGIT_BIN, ...args], { ...opts, env: { ...OSGIT_ENV, HOME: home, ...opts.env } });
}

/** The last non-empty line of a command's output (where commands print a created checksum). */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** Asserts that `s` is a 64-hex checksum and returns it. */
export function expectChecksum(s: string, what = 'checksum'): string {
  if (!/^[0-9a-f]{64}$/.test(s)) throw new Error(`${what}: expected 64 lowercase hex, got ${JSON.stringify(s)}`);
  return s;
}
