import { Flags } from '@oclif/core';
import { pruneWorktrees } from '@osgit/store';
import { OsgitCommand } from '../../base-command.js';

type PruneResult = Array<{ id: string; path: string; branch: string }>;

export default class WorktreePrune extends OsgitCommand<PruneResult> {
  static override description = 'Drop the state of worktrees whose folder is gone';
  static override examples = ['<%= config.bin %> worktree prune --repo repo', '<%= config.bin %> worktree prune --repo repo --dry-run'];
  static override flags = { 'dry-run': Flags.boolean({ char: 'n', description: 'only list what would be dropped' }) };

  async exec(): Promise<PruneResult> {
    const { flags } = await this.parse(WorktreePrune);
    return pruneWorktrees(await this.openRepo(flags.repo), { dryRun: flags['dry-run'] });
  }

  protected override render(r: PruneResult): void {
    for (const w of r) this.out(`pruned worktree ${w.id}${w.path ? ` (${w.path}, branch ${w.branch})` : ''}`);
  }
}
