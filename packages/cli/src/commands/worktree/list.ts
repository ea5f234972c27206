import { listWorktrees, type WorktreeListEntry } from '@osgit/store';
import { OsgitCommand } from '../../base-command.js';

export default class WorktreeList extends OsgitCommand<WorktreeListEntry[]> {
  static override description = 'List the worktrees of the repository: folder, branch, head, and whether the folder and branch still exist';
  static override examples = ['<%= config.bin %> worktree list --repo repo'];

  async exec(): Promise<WorktreeListEntry[]> {
    const { flags } = await this.parse(WorktreeList);
    return listWorktrees(await this.openRepo(flags.repo));
  }

  protected override render(r: WorktreeListEntry[]): void {
    const width = Math.max(0, ...r.map((w) => w.path.length));
    for (const w of r) {
      const notes = [w.present ? '' : 'folder gone (osgit worktree prune)', w.branchExists ? '' : 'branch deleted'].filter(Boolean);
      this.out(`${w.path.padEnd(width)}  ${w.head.slice(0, 12)}  [${w.branch}]${notes.length ? `  ${notes.join(', ')}` : ''}`);
    }
  }
}
