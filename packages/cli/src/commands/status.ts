import { Flags } from '@oclif/core';
import { OsgitCommand } from '../base-command.js';
import { requireWorktree } from '../worktree-context.js';
import { statusLines, statusWithMerge, type StatusResult } from '../status-output.js';

export default class Status extends OsgitCommand<StatusResult> {
  static override description =
    'Paths of the worktree that differ from its head commit: A added, D removed, M modified, T type changed, p permissions, o owner, x xattrs';
  static override examples = ['cd wt && <%= config.bin %> status', '<%= config.bin %> status --porcelain', '<%= config.bin %> status --json'];
  static override flags = {
    porcelain: Flags.boolean({ description: 'only the changed paths, one per line (no branch line)' }),
  };

  private porcelain = false;

  async exec(): Promise<StatusResult> {
    const { flags } = await this.parse(Status);
    this.porcelain = flags.porcelain;
    const { worktree } = await requireWorktree(flags.repo, 'status');
    return statusWithMerge(worktree);
  }

  protected override render(r: StatusResult): void {
    for (const line of statusLines(r, this.porcelain)) this.out(line);
  }
}
