import { Args, Flags } from '@oclif/core';
import { addWorktree, revParse } from '@osgit/store';
import { OsgitCommand } from '../../base-command.js';
import { CliError } from '../../errors.js';

interface AddResult {
  id: string;
  path: string;
  branch: string;
  head: string;
  userMode: boolean;
}

export default class WorktreeAdd extends OsgitCommand<AddResult> {
  static override description =
    'Make an editable worktree of a branch in DIR (files are copied, never hardlinked; one worktree per branch)';
  static override examples = [
    '<%= config.bin %> worktree add --repo repo ./wt os/main',
    '<%= config.bin %> worktree add --repo repo -b feature ./wt-feature os/main    # new branch at os/main',
  ];
  static override args = {
    dir: Args.string({ description: 'folder to create (or an empty one)', required: true }),
    branch: Args.string({ description: 'branch to check out (default: the only branch); with -b, the start revision' }),
  };
  static override flags = {
    'new-branch': Flags.string({ char: 'b', description: 'create this branch (at the revision given after DIR) and check it out' }),
  };

  async exec(): Promise<AddResult> {
    const { flags, args } = await this.parse(WorktreeAdd);
    const repo = await this.openRepo(flags.repo);
    const bar = this.progress('checking out', 'files');
    try {
      let start: string | undefined;
      if (flags['new-branch']) {
        if (!args.branch) throw new CliError('USAGE', 'give the start revision of the new branch: osgit worktree add -b NEW DIR START');
        start = await revParse(repo, args.branch);
      }
      const wt = await addWorktree(repo, {
        dir: args.dir,
        ...(flags['new-branch'] ? { newBranch: flags['new-branch'], start } : args.branch ? { branch: args.branch } : {}),
        onProgress: (p) => bar.update(p.files),
      });
      return { id: wt.id, path: wt.path, branch: wt.branch, head: wt.head, userMode: wt.userMode };
    } finally {
      bar.stop();
    }
  }

  protected override render(r: AddResult): void {
    this.out(`worktree ${r.id} at ${r.path} on branch ${r.branch}${r.userMode ? ' (user mode: ownership and xattrs kept from each commit)' : ''}`);
    this.out(r.head);
  }
}
