import { Args, Flags } from '@oclif/core';
import {
  StoreError, createBranch, deleteBranch, listBranches, renameBranch, type BranchInfo, type Checksum,
} from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { headOptions } from '../worktree-head.js';

export type BranchResult =
  | { action: 'list'; current: string | null; branches: BranchInfo[] }
  | { action: 'create'; branch: string; commit: Checksum }
  | { action: 'rename'; from: string; to: string; commit: Checksum }
  | { action: 'delete'; branch: string; commit: Checksum; unmerged: number };

export default class Branch extends OsgitCommand<BranchResult> {
  static override description = 'List, create, rename or delete branches (names under tags/ are reserved for tags)';
  static override examples = [
    '<%= config.bin %> branch --repo repo',
    '<%= config.bin %> branch --repo repo fix main~2',
    '<%= config.bin %> branch --repo repo -m fix hotfix',
    '<%= config.bin %> branch --repo repo -d hotfix',
    '<%= config.bin %> branch --repo repo -D experiment',
  ];
  static override args = {
    name: Args.string({ description: 'branch to create (or, with -m, the branch to rename; with -d/-D, to delete)' }),
    start: Args.string({ description: 'where the new branch starts (default HEAD, in a worktree); with -m, the new name' }),
  };
  static override flags = {
    move: Flags.boolean({ char: 'm', description: 'rename branch NAME to START' }),
    delete: Flags.boolean({ char: 'd', description: 'delete branch NAME if another branch or tag holds its commits' }),
    force: Flags.boolean({ char: 'D', description: 'delete branch NAME even if that loses commits (with or without -d)' }),
  };

  async exec(): Promise<BranchResult> {
    const { flags, args } = await this.parse(Branch);
    const repo = await this.openRepo(flags.repo);
    const head = await headOptions(repo);
    if (flags.move) {
      if (!args.name || !args.start) throw new StoreError('INVALID_ARGUMENT', 'branch -m needs the old and the new name: osgit branch -m OLD NEW');
      return { action: 'rename', ...(await renameBranch(repo, args.name, args.start)) };
    }
    if (flags.delete || flags.force) {
      if (!args.name || args.start) throw new StoreError('INVALID_ARGUMENT', 'branch -d/-D takes one branch name: osgit branch -d NAME');
      return { action: 'delete', ...(await deleteBranch(repo, args.name, { force: flags.force })) };
    }
    if (args.name) return { action: 'create', ...(await createBranch(repo, args.name, args.start ?? 'HEAD', head)) };
    return { action: 'list', current: head.branch ?? null, branches: await listBranches(repo) };
  }

  protected override render(r: BranchResult): void {
    switch (r.action) {
      case 'list': {
        const width = Math.max(0, ...r.branches.map((b) => b.name.length));
        for (const b of r.branches) {
          const mark = b.name === r.current ? '*' : ' ';
          this.out(`${mark} ${b.name.padEnd(width)} ${b.commit.slice(0, 7)} ${b.subject ?? '(commit not in this repository)'}`);
        }
        break;
      }
      case 'create':
        this.out(`Created branch ${r.branch} at ${r.commit}`);
        break;
      case 'rename':
        this.out(`Renamed branch ${r.from} to ${r.to}`);
        break;
      case 'delete':
        this.out(`Deleted branch ${r.branch} (was ${r.commit})${r.unmerged > 0 ? `; ${r.unmerged} commit${r.unmerged === 1 ? '' : 's'} no other branch or tag holds` : ''}`);
        break;
    }
  }
}
