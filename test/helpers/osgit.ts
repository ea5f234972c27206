/**
 * The osgit side of interop tests: the CLI contract (DESIGN.md §7) with the same flags as the
 * ostree helpers in ./ostree.ts, so a test reads "do X with ostree, do X with osgit, compare".
 * Every helper runs the CLI as a child process and is asynchronous (see `run` in ./tools.ts).
 */
import { describeFailure, expectChecksum, lastLine, osgit, type RunOptions, type RunResult } from './tools.js';
import type { RepoMode } from './ostree.js';

async function ok(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await osgit(args, opts);
  if (r.code !== 0) throw new Error(describeFailure('osgit', args, r));
  return r;
}

export async function osgitInit(repo: string, mode: RepoMode): Promise<void> {
  await ok(['init', '--repo', repo, '--mode', mode]);
}

/** `osgit commit --repo REPO ARGS...` (the tree is among `args`); the checksum is the last line of output. */
export async function osgitCommit(repo: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await ok(['commit', '--repo', repo, ...args], opts);
  return expectChecksum(lastLine(r.stdout), 'osgit commit output (last line)');
}

/** `osgit checkout --repo REPO FLAGS... REV DIR`. */
export async function osgitCheckout(repo: string, rev: string, dir: string, flags: readonly string[] = []): Promise<void> {
  await ok(['checkout', '--repo', repo, ...flags, rev, dir]);
}

/** `osgit checkout` that is expected to fail: returns its result without throwing. */
export function osgitCheckoutResult(repo: string, rev: string, dir: string, flags: readonly string[] = []): Promise<RunResult> {
  return osgit(['checkout', '--repo', repo, ...flags, rev, dir]);
}

export async function osgitRevParse(repo: string, rev: string): Promise<string> {
  return expectChecksum(lastLine((await ok(['rev-parse', '--repo', repo, rev])).stdout), `osgit rev-parse ${rev}`);
}

export function osgitFsck(repo: string): Promise<RunResult> {
  return osgit(['fsck', '--repo', repo]);
}
