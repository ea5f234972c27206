import { Args, Flags } from '@oclif/core';
import { mergeIntoBranch, type MergeIntoBranchResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';
import { conflictsOf, formatConflicts } from '../format-conflicts.js';

export default class Merge extends OsgitCommand<MergeIntoBranchResult> {
  static override description = 'Merge a revision into a branch (--into BRANCH, directly in the repository): fast-forward when possible, else a three-way merge commit';
  static override examples = [
    '<%= config.bin %> merge --repo repo --into os/main os/feature',
    '<%= config.bin %> merge --repo repo --into os/main -X theirs --no-ff os/feature',
  ];
  static override args = { rev: Args.string({ description: 'revision to merge', required: true }) };
  static override flags = {
    into: Flags.string({ description: 'branch that receives the merge (in the repository; no worktree)' }),
    message: Flags.string({ char: 'm', description: 'subject of the merge commit (default "Merge REV into BRANCH")' }),
    strategy: Flags.string({ char: 'X', description: 'on conflicting hunks and metadata take this side', options: ['ours', 'theirs'] }),
    'no-ff': Flags.boolean({ description: 'make a merge commit even when a fast-forward is possible', exclusive: ['ff-only'] }),
    'ff-only': Flags.boolean({ description: 'only fast-forward; refuse a real merge', exclusive: ['no-ff'] }),
    'allow-unrelated-histories': Flags.boolean({ description: 'merge histories that share no commit (against an empty tree)' }),
  };

  async exec(): Promise<MergeIntoBranchResult> {
    const { flags, args } = await this.parse(Merge);
    if (!flags.into) throw new CliError('USAGE', 'name the branch to merge into with --into BRANCH');
    const repo = await this.openRepo(flags.repo);
    try {
      return await mergeIntoBranch(repo, {
        branch: flags.into,
        rev: args.rev,
        ...(flags.message !== undefined ? { message: flags.message } : {}),
        ...(flags.strategy ? { favor: flags.strategy as 'ours' | 'theirs' } : {}),
        allowUnrelated: flags['allow-unrelated-histories'],
        noFf: flags['no-ff'],
        ffOnly: flags['ff-only'],
      });
    } catch (err) {
      const conflicts = conflictsOf(err);
      if (conflicts && !this.jsonEnabled()) for (const line of formatConflicts(conflicts)) this.out(line);
      throw err;
    }
  }

  protected override render(r: MergeIntoBranchResult): void {
    if (r.kind === 'up-to-date') this.out(`Already up to date: ${r.branch} contains ${r.theirs}`);
    else if (r.kind === 'fast-forward') this.out(`Fast-forward ${r.branch}: ${r.old.slice(0, 10)}..${r.commit.slice(0, 10)}`);
    else this.out(`Merge made: ${r.branch} ${r.old.slice(0, 10)} + ${r.theirs.slice(0, 10)} (${r.stats?.treesRead ?? 0} trees read, ${r.stats?.objectsWritten ?? 0} objects written)`);
    this.out(r.commit);
  }
}
