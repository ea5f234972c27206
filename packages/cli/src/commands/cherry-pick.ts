import { Args, Flags } from '@oclif/core';
import { cherryPick, type PickCommitResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';
import { conflictsOf, formatConflicts } from '../format-conflicts.js';

export default class CherryPick extends OsgitCommand<PickCommitResult> {
  static override description = 'Apply the change a commit made onto a branch (--into BRANCH) as a new commit, as git cherry-pick -x';
  static override examples = [
    '<%= config.bin %> cherry-pick --repo repo --into os/stable os/main~2',
    '<%= config.bin %> cherry-pick --repo repo --into os/stable -m 1 MERGE_COMMIT',
  ];
  static override args = { rev: Args.string({ description: 'commit to apply', required: true }) };
  static override flags = {
    into: Flags.string({ description: 'branch that receives the new commit (in the repository; no worktree)' }),
    mainline: Flags.integer({ char: 'm', description: 'for a merge commit: the parent (1, 2, ...) its change is taken against', min: 1 }),
    strategy: Flags.string({ char: 'X', description: 'on conflicting hunks and metadata take this side', options: ['ours', 'theirs'] }),
  };

  async exec(): Promise<PickCommitResult> {
    const { flags, args } = await this.parse(CherryPick);
    if (!flags.into) throw new CliError('USAGE', 'name the branch with --into BRANCH');
    const repo = await this.openRepo(flags.repo);
    try {
      return await cherryPick(repo, {
        branch: flags.into,
        rev: args.rev,
        ...(flags.mainline !== undefined ? { mainline: flags.mainline } : {}),
        ...(flags.strategy ? { favor: flags.strategy as 'ours' | 'theirs' } : {}),
      });
    } catch (err) {
      const conflicts = conflictsOf(err);
      if (conflicts && !this.jsonEnabled()) for (const line of formatConflicts(conflicts)) this.out(line);
      throw err;
    }
  }

  protected override render(r: PickCommitResult): void {
    this.out(`Picked ${r.picked.slice(0, 10)} onto ${r.branch}: ${r.old.slice(0, 10)}..${r.commit.slice(0, 10)}`);
    this.out(r.commit);
  }
}
