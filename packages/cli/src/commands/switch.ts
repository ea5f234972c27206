import { Args, Flags } from '@oclif/core';
import { revParse, switchBranch, type SwitchResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';
import { requireWorktree } from '../worktree-context.js';
import { changeLine } from '../status-output.js';

export default class Switch extends OsgitCommand<SwitchResult> {
  static override description =
    'Move the worktree to another branch, rewriting only the paths that differ; uncommitted changes come along when those paths are the same in both branches, else LOCAL_CHANGES and nothing changes';
  static override examples = ['cd wt && <%= config.bin %> switch os/stable', 'cd wt && <%= config.bin %> switch -c feature        # new branch at the worktree\'s head'];
  static override args = {
    branch: Args.string({ description: 'branch to switch to (with -c: the start revision, default the worktree\'s head)' }),
  };
  static override flags = {
    create: Flags.string({ char: 'c', description: 'create this branch and switch to it' }),
  };

  async exec(): Promise<SwitchResult> {
    const { flags, args } = await this.parse(Switch);
    const { repo, worktree } = await requireWorktree(flags.repo, 'switch');
    if (flags.create) {
      const start = args.branch ? await revParse(repo, args.branch, { head: worktree.branch }) : worktree.head;
      return switchBranch(worktree, flags.create, { create: true, start });
    }
    if (!args.branch) throw new CliError('USAGE', 'give the branch to switch to (osgit switch BRANCH, or -c NEW to create one)');
    return switchBranch(worktree, args.branch);
  }

  protected override render(r: SwitchResult): void {
    this.out(`${r.created ? 'Switched to a new branch' : 'Switched to branch'} ${r.branch} (from ${r.from}): ${r.updated} paths updated`);
    for (const e of r.carried) this.out(changeLine(e));
    this.out(r.head);
  }
}
