import { Args, Flags } from '@oclif/core';
import { log, revParse, type LogResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { formatCommit } from '../format-commit.js';

export default class Log extends OsgitCommand<LogResult> {
  static override description = 'Show the history of a revision, newest first';
  static override examples = ['<%= config.bin %> log --repo repo os/main', '<%= config.bin %> log --repo repo -n 3 --json os/main'];
  static override args = { rev: Args.string({ description: 'revision', required: true }) };
  static override flags = { 'max-count': Flags.integer({ char: 'n', description: 'show at most N commits', min: 1 }) };

  async exec(): Promise<LogResult> {
    const { flags, args } = await this.parse(Log);
    const repo = await this.openRepo(flags.repo);
    return log(repo, await revParse(repo, args.rev), flags['max-count'] ? { maxCount: flags['max-count'] } : {});
  }

  protected override render(r: LogResult): void {
    for (const c of r.commits) this.out(formatCommit(c));
    if (r.truncated) this.out('<< History beyond this commit not fetched >>');
  }
}
