// `osgit status` without oclif: bin/run.js sends the plain forms here (see isFastStatus there),
// because oclif's start alone costs more than the whole status of an unchanged tree. Output,
// JSON documents, error lines and exit statuses are the same as commands/status.ts gives.
import { reportError } from './report.js';
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
    return reportError(err, json, 'status');
  }
}
