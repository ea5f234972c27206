// `osgit status` without oclif: bin/run.js sends the plain forms here (see isFastStatus there),
// because oclif's start alone costs more than the whole status of an unchanged tree. Output,
// JSON documents, error lines and exit statuses are the same as commands/status.ts gives.
import { fsError, StoreError } from '@osgit/store/worktree';
import { exitCodeFor, SUGGESTIONS, type ErrorCode } from '../exit-codes.js';
import { requireWorktree } from '../worktree-context.js';
import { statusLines, statusWithMerge } from '../status-output.js';

/** Runs `osgit status ARGS` (ARGS only --json, --porcelain, --repo PATH); returns the exit status. */
export async function runStatus(args: string[]): Promise<number> {
  let json = false;
  let porcelain = false;
  let repo: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--porcelain') porcelain = true;
    else if (a === '--repo') repo = args[++i];
    else if (a.startsWith('--repo=')) repo = a.slice('--repo='.length);
  }
  try {
    const { worktree } = await requireWorktree(repo, 'status');
    const result = await statusWithMerge(worktree);
    if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      const lines = statusLines(result, porcelain);
      if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
    }
    return 0;
  } catch (err) {
    return report(err, json);
  }
}

/** As OsgitCommand.catch: one error line (and hint), or the JSON error document with --json. */
function report(err: unknown, json: boolean): number {
  const e = typed(err);
  const exitCode = exitCodeFor(e.code);
  const hint = SUGGESTIONS[e.code]?.replace('COMMAND', 'status');
  if (json) {
    const { errno: _errno, ...data } = e.data;
    const doc = { error: { code: e.code, message: e.message, exitCode, ...(hint ? { hint } : {}), ...(Object.keys(data).length > 0 ? { data } : {}) } };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  }
  process.stderr.write(`osgit: error: ${e.message}\n`);
  if (hint && !json) process.stderr.write(`hint: ${hint}\n`);
  return exitCode;
}

function typed(err: unknown): { code: ErrorCode; message: string; data: Record<string, unknown> } {
  if (err instanceof StoreError) return err;
  const fs = fsError(err, { action: 'cannot access' });
  if (fs instanceof StoreError) return fs;
  const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return { code: 'INTERNAL', message: message.split('\n').join(' ') || 'unexpected error', data: {} };
}
