import { Args } from '@oclif/core';
import { revParse } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { headOptions } from '../worktree-head.js';

export default class RevParse extends OsgitCommand<{ rev: string; commit: string }> {
  static override description = 'Resolve a revision (ref, remote:ref, tag, HEAD, checksum prefix, @{N}, ^N, ~N) to a commit checksum';
  static override examples = ['<%= config.bin %> rev-parse --repo repo os/main~2', '<%= config.bin %> rev-parse --repo repo os/main^2', '<%= config.bin %> rev-parse --repo repo os/main@{1}'];
  static override args = { rev: Args.string({ description: 'revision', required: true }) };

  async exec(): Promise<{ rev: string; commit: string }> {
    const { flags, args } = await this.parse(RevParse);
    const repo = await this.openRepo(flags.repo);
    return { rev: args.rev, commit: await revParse(repo, args.rev, await headOptions(repo)) };
  }

  protected override render(r: { commit: string }): void {
    this.out(r.commit);
  }
}
