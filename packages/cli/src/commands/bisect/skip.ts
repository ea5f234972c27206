import { Args } from '@oclif/core';
import { bisectMark, type BisectStep } from '@osgit/store';
import { OsgitCommand } from '../../base-command.js';
import { bisectFailure, bisectStepLines } from '../../bisect-output.js';

export default class BisectSkip extends OsgitCommand<BisectStep> {
  static override description = 'Skip a commit that cannot be tested (default: the commit under test) and name the next one to test';
  static override examples = ['<%= config.bin %> bisect skip --repo repo', '<%= config.bin %> bisect skip --repo repo os/main~3'];
  static override args = { rev: Args.string({ description: 'revision to mark (default: the commit under test)' }) };

  async exec(): Promise<BisectStep> {
    const { args, flags } = await this.parse(BisectSkip);
    const repo = await this.openRepo(flags.repo);
    const bar = this.progress('checking out', 'files');
    return bisectMark(repo, { verdict: 'skip', ...(args.rev !== undefined ? { rev: args.rev } : {}), onCheckoutProgress: (p) => bar.update(p.files) });
  }

  protected override render(step: BisectStep): void {
    for (const line of bisectStepLines(step)) this.out(line);
  }

  protected override failureOf(step: BisectStep) {
    return bisectFailure(step);
  }
}
