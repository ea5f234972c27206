import { Args, Flags } from '@oclif/core';
import { mergeIntoBranch, type MergeIntoBranchResult, type WorktreeMergeResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';
import { conflictsOf, formatConflicts } from '../format-conflicts.js';
import { conflictsStop, runInWorktree, worktreeResultLines } from '../worktree-merge-command.js';

type MergeResult = ({ mode: 'into' } & MergeIntoBranchResult) | ({ mode: 'worktree' } & WorktreeMergeResult);

export default class Merge extends OsgitCommand<MergeResult> {
  static override description =
    'Merge a revision: in a worktree (conflicts left in the files for --continue/--abort), or into a branch directly in the repository (--into BRANCH). Fast-forward when possible, else a three-way merge commit';
  static override examples = [
    'cd wt && <%= config.bin %> merge os/feature',
    'cd wt && <%= config.bin %> merge --continue',
    '<%= config.bin %> merge --repo repo --into os/main os/feature',
    '<%= config.bin %> merge --repo repo --into os/main -X theirs --no-ff os/feature',
  ];
  static override args = { rev: Args.string({ description: 'revision to merge' }) };
  static override flags = {
    into: Flags.string({ description: 'branch that receives the merge (in the repository; no worktree)' }),
    message: Flags.string({ char: 'm', description: 'subject of the merge commit (default "Merge REV into BRANCH")' }),
    strategy: Flags.string({ char: 'X', description: 'on conflicting hunks and metadata take this side', options: ['ours', 'theirs'] }),
    'no-ff': Flags.boolean({ description: 'make a merge commit even when a fast-forward is possible', exclusive: ['ff-only'] }),
    'ff-only': Flags.boolean({ description: 'only fast-forward; refuse a real merge', exclusive: ['no-ff'] }),
    'allow-unrelated-histories': Flags.boolean({ description: 'merge histories that share no commit (against an empty tree)' }),
    continue: Flags.boolean({ description: 'in a worktree: commit the resolved files as the merge commit', exclusive: ['abort', 'into'] }),
    abort: Flags.boolean({ description: 'in a worktree: put back the files as they were before the merge', exclusive: ['continue', 'into'] }),
  };

  async exec(): Promise<MergeResult> {
    const { flags, args } = await this.parse(Merge);
    const favor = flags.strategy ? { favor: flags.strategy as 'ours' | 'theirs' } : {};
    if (!args.rev && !flags.continue && !flags.abort) throw new CliError('USAGE', 'give the revision to merge (or --continue / --abort in a worktree)');
    if (args.rev && (flags.continue || flags.abort)) throw new CliError('USAGE', '--continue and --abort take no revision');
    try {
      if (!flags.into) {
        const r = await runInWorktree(flags.repo, { continue: flags.continue, abort: flags.abort }, args.rev ? {
          operation: 'merge', rev: args.rev, ...favor,
          ...(flags.message !== undefined ? { message: flags.message } : {}),
          allowUnrelated: flags['allow-unrelated-histories'], noFf: flags['no-ff'], ffOnly: flags['ff-only'],
        } : null);
        if (r.kind === 'conflicts') throw conflictsStop(r);
        return { mode: 'worktree', ...r };
      }
      const repo = await this.openRepo(flags.repo);
      const r = await mergeIntoBranch(repo, {
        branch: flags.into,
        rev: args.rev!,
        ...(flags.message !== undefined ? { message: flags.message } : {}),
        ...favor,
        allowUnrelated: flags['allow-unrelated-histories'],
        noFf: flags['no-ff'],
        ffOnly: flags['ff-only'],
      });
      return { mode: 'into', ...r };
    } catch (err) {
      const conflicts = conflictsOf(err);
      if (conflicts && !this.jsonEnabled()) for (const line of formatConflicts(conflicts)) this.out(line);
      throw err;
    }
  }

  protected override render(r: MergeResult): void {
    if (r.mode === 'worktree') {
      for (const line of worktreeResultLines(r)) this.out(line);
      return;
    }
    if (r.kind === 'up-to-date') this.out(`Already up to date: ${r.branch} contains ${r.theirs}`);
    else if (r.kind === 'fast-forward') this.out(`Fast-forward ${r.branch}: ${r.old.slice(0, 10)}..${r.commit.slice(0, 10)}`);
    else this.out(`Merge made: ${r.branch} ${r.old.slice(0, 10)} + ${r.theirs.slice(0, 10)} (${r.stats?.treesRead ?? 0} trees read, ${r.stats?.objectsWritten ?? 0} objects written)`);
    this.out(r.commit);
  }
}
