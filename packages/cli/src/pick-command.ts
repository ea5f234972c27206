import { Args, Flags } from '@oclif/core';
import type { PickCommitOptions, PickCommitResult, Repo, WorktreeMergeResult } from '@osgit/store';
import { OsgitCommand } from './base-command.js';
import { CliError } from './errors.js';
import { conflictsOf, formatConflicts } from './format-conflicts.js';
import { conflictsStop, runInWorktree, worktreeResultLines } from './worktree-merge-command.js';

export type PickResult = ({ mode: 'into' } & PickCommitResult) | ({ mode: 'worktree' } & WorktreeMergeResult);

/** The flags `cherry-pick` and `revert` share. */
export const pickFlags = {
  into: Flags.string({ description: 'branch that receives the new commit (in the repository; no worktree)' }),
  mainline: Flags.integer({ char: 'm', description: 'for a merge commit: the parent (1, 2, ...) its change is taken against', min: 1 }),
  strategy: Flags.string({ char: 'X', description: 'on conflicting hunks and metadata take this side', options: ['ours', 'theirs'] }),
  continue: Flags.boolean({ description: 'in a worktree: commit the resolved files', exclusive: ['abort', 'into'] }),
  abort: Flags.boolean({ description: 'in a worktree: put back the files as they were before', exclusive: ['continue', 'into'] }),
};

export const pickArgs = (what: string) => ({ rev: Args.string({ required: false, description: what }) });

interface PickParsed {
  flags: { repo?: string; into?: string; mainline?: number; strategy?: string; continue: boolean; abort: boolean };
  args: { rev?: string };
}

/**
 * `cherry-pick` and `revert`: one three-way merge of a commit's change, onto a branch in the
 * repository (`--into`) or into a worktree (with `--continue` / `--abort`). Subclasses name
 * the operation and the store function that does it.
 */
export abstract class PickCommand extends OsgitCommand<PickResult> {
  protected abstract readonly operation: 'cherry-pick' | 'revert';
  /** the past tense for the human line: `Picked`, `Reverted` */
  protected abstract readonly done: string;
  protected abstract pick(repo: Repo, opts: PickCommitOptions): Promise<PickCommitResult>;

  async exec(): Promise<PickResult> {
    // With no options oclif parses against this command's own static flags and args.
    const { flags, args } = (await this.parse()) as unknown as PickParsed;
    const favor = flags.strategy ? { favor: flags.strategy as 'ours' | 'theirs' } : {};
    const mainline = flags.mainline !== undefined ? { mainline: flags.mainline } : {};
    if (!args.rev && !flags.continue && !flags.abort) throw new CliError('USAGE', 'give the commit (or --continue / --abort in a worktree)');
    if (args.rev && (flags.continue || flags.abort)) throw new CliError('USAGE', '--continue and --abort take no revision');
    try {
      if (!flags.into) {
        const r = await runInWorktree(flags.repo, { continue: flags.continue, abort: flags.abort },
          args.rev ? { operation: this.operation, rev: args.rev, ...favor, ...mainline } : null);
        if (r.kind === 'conflicts') throw conflictsStop(r);
        return { mode: 'worktree', ...r };
      }
      const repo = await this.openRepo(flags.repo);
      return { mode: 'into', ...(await this.pick(repo, { branch: flags.into, rev: args.rev!, ...mainline, ...favor })) };
    } catch (err) {
      const conflicts = conflictsOf(err);
      if (conflicts && !this.jsonEnabled()) for (const line of formatConflicts(conflicts)) this.out(line);
      throw err;
    }
  }

  protected override render(r: PickResult): void {
    if (r.mode === 'worktree') {
      for (const line of worktreeResultLines(r)) this.out(line);
      return;
    }
    this.out(`${this.done} ${r.picked.slice(0, 10)} onto ${r.branch}: ${r.old.slice(0, 10)}..${r.commit.slice(0, 10)}`);
    this.out(r.commit);
  }
}
