import { Args } from '@oclif/core';
import { revParse, summarizeCommit, type CommitSummary } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { headOptions } from '../worktree-head.js';
import { formatCommit } from '../format-commit.js';

export default class Show extends OsgitCommand<CommitSummary> {
  static override description = 'Show one commit: parent (and a merge\'s other parents), content checksum, date, message and metadata';
  static override examples = ['<%= config.bin %> show --repo repo os/main^'];
  static override args = { rev: Args.string({ description: 'revision (default HEAD, in a worktree)' }) };

  async exec(): Promise<CommitSummary> {
    const { flags, args } = await this.parse(Show);
    const repo = await this.openRepo(flags.repo);
    const commit = await revParse(repo, args.rev ?? 'HEAD', await headOptions(repo));
    return summarizeCommit(commit, await repo.readCommit(commit));
  }

  protected override render(c: CommitSummary): void {
    this.out(formatCommit(c));
    const keys = Object.keys(c.metadata);
    if (keys.length > 0) {
      this.out('Metadata:');
      for (const k of keys) this.out(`  ${k}: ${JSON.stringify(c.metadata[k])}`);
    }
  }
}
