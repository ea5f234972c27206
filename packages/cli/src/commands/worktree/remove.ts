import { Args, Flags } from '@oclif/core';
import { removeWorktree, type WorktreeListEntry } from '@osgit/store';
import { OsgitCommand } from '../../base-command.js';

export default class WorktreeRemove extends OsgitCommand<WorktreeListEntry> {
  static override description = 'Delete a worktree (folder and state); refuses when it has uncommitted changes unless --force';
  static override examples = ['<%= config.bin %> worktree remove --repo repo ./wt', '<%= config.bin %> worktree remove --repo repo --force ./wt'];
  static override args = { dir: Args.string({ description: 'the worktree folder (or its id)', required: true }) };
  static override flags = { force: Flags.boolean({ char: 'f', description: 'remove even with uncommitted changes' }) };

  async exec(): Promise<WorktreeListEntry> {
    const { flags, args } = await this.parse(WorktreeRemove);
    return removeWorktree(await this.openRepo(flags.repo), args.dir, { force: flags.force });
  }

  protected override render(r: WorktreeListEntry): void {
    this.out(`removed worktree ${r.id} at ${r.path} (branch ${r.branch} stays at ${r.head})`);
  }
}
