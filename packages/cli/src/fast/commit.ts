// `osgit commit` in a worktree without oclif: bin/run.js sends here the forms with no DIR and
// only the flags below (see isFastCommit there). Outside a worktree it hands over to oclif, so
// every other case keeps the oclif command's behaviour. Output, JSON and errors are the same as
// commands/commit.ts gives (test/worktree-cli.test.ts compares them).
import { findWorktree, parseTimestamp, Repo } from '@osgit/store/worktree';
import { commitLines } from '../commit-output.js';
import { printJson, reportError } from './report.js';

export interface FastCommitArgs {
  subject?: string;
  body?: string;
  timestamp?: string;
  metadataStrings: string[];
  noBindings: boolean;
  allowEmpty: boolean;
  json: boolean;
  repo?: string;
}

/** Commits the worktree holding the current folder; null when there is none (oclif takes over). */
export async function runCommit(a: FastCommitArgs): Promise<number | null> {
  try {
    const repo = a.repo ? await Repo.discover(a.repo) : undefined;
    const found = await findWorktree(process.cwd(), repo);
    if (!found) return null;
    const metadataStrings = a.metadataStrings.map((kv): [string, string] => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    });
    const r = await found.worktree.commit({
      ...(a.subject !== undefined ? { subject: a.subject } : {}),
      ...(a.body !== undefined ? { body: a.body } : {}),
      ...(a.timestamp ? { timestamp: parseTimestamp(a.timestamp) } : {}),
      metadataStrings,
      bindings: !a.noBindings,
      allowEmpty: a.allowEmpty,
    });
    const result = { ...r, worktree: found.worktree.path };
    if (a.json) printJson(result);
    else process.stdout.write(commitLines(result).join('\n') + '\n');
    return 0;
  } catch (err) {
    return reportError(err, a.json, 'commit');
  }
}
