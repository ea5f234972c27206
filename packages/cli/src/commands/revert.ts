import { Args, Flags } from '@oclif/core';
import { revert, type PickCommitResult, type WorktreeMergeResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';
import { conflictsOf, formatConflicts } from '../format-conflicts.js';
import { conflictsStop, runInWorktree, worktreeResultLines } from '../worktree-merge-command.js';

type PickResult = ({ mode: 'into' } & PickCommitResult) | ({ mode: 'worktree' } & WorktreeMergeResult);

export default class Revert extends OsgitCommand<PickResult> {
  static override description = 'Undo the change a commit made, as a new commit on a branch (--into BRANCH), as git revert';
  static override examples = [
    'cd wt && <%= config.bin %> revert os/main~2',
    '<%= config.bin %> revert --repo repo --into os/stable os/main~2',
    '<%= config.bin %> revert --repo repo --into os/stable -m 1 MERGE_COMMIT',
  ];
  static override args = { rev: Args.string({ required: false, description: 'commit to revert' }) };
  static override flags = {
    into: Flags.string({ description: 'branch that receives the new commit (in the repository; no worktree)' }),
    mainline: Flags.integer({ char: 'm', description: 'for a merge commit: the parent (1, 2, ...) its change is taken against', min: 1 }),
    strategy: Flags.string({ char: 'X', description: 'on conflicting hunks and metadata take this side', options: ['ours', 'theirs'] }),
    continue: Flags.boolean({ description: 'in a worktree: commit the resolved files', exclusive: ['abort', 'into'] }),
    abort: Flags.boolean({ description: 'in a worktree: put back the files as they were before', exclusive: ['continue', 'into'] }),
  };

  async exec(): Promise<PickResult> {
    const { flags, args } = await this.parse(Revert);
    const favor = flags.strategy ? { favor: flags.strategy as 'ours' | 'theirs' } : {};
    const mainline = flags.mainline !== undefined ? { mainline: flags.mainline } : {};
    if (!args.rev && !flags.continue && !flags.abort) throw new CliError('USAGE', 'give the commit (or --continue / --abort in a worktree)');
    if (args.rev && (flags.continue || flags.abort)) throw new CliError('USAGE', '--continue and --abort take no revision');
    try {
      if (!flags.into) {
        const r = await runInWorktree(flags.repo, { continue: flags.continue, abort: flags.abort },
          args.rev ? { operation: 'revert', rev: args.rev, ...favor, ...mainline } : null);
        if (r.kind === 'conflicts') throw conflictsStop(r);
        return { mode: 'worktree', ...r };
      }
      const repo = await this.openRepo(flags.repo);
      return { mode: 'into', ...(await revert(repo, { branch: flags.into, rev: args.rev!, ...mainline, ...favor })) };
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
    this.out(`Reverted ${r.picked.slice(0, 10)} onto ${r.branch}: ${r.old.slice(0, 10)}..${r.commit.slice(0, 10)}`);
    this.out(r.commit);
  }
}
