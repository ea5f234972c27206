import { Args, Flags } from '@oclif/core';
import { bisectStart, type BisectStep } from '@osgit/store';
import { OsgitCommand } from '../../base-command.js';
import { bisectFailure, bisectStepLines } from '../../bisect-output.js';

export default class BisectStart extends OsgitCommand<BisectStep> {
  static override description = 'Start a bisection: BAD is a bad revision, each GOOD a good one in its history; names the first commit to test';
  static override examples = [
    '<%= config.bin %> bisect start --repo repo os/main os/main~20',
    '<%= config.bin %> bisect start --repo repo --checkout /tmp/under-test os/main v1.0',
  ];
  static override strict = false; // GOOD...
  static override args = {
    bad: Args.string({ description: 'a bad revision', required: true }),
    good: Args.string({ description: 'good revisions (ancestors of BAD); more may follow, or come later with `bisect good`' }),
  };
  static override flags = {
    checkout: Flags.string({ description: 'keep a plain checkout (copies, user mode) of the commit under test at this new folder; `bisect reset` removes it' }),
  };

  async exec(): Promise<BisectStep> {
    const { args, argv, flags } = await this.parse(BisectStart);
    const repo = await this.openRepo(flags.repo);
    const bar = this.progress('checking out', 'files');
    return bisectStart(repo, {
      bad: args.bad,
      goods: (argv as string[]).slice(1),
      ...(flags.checkout !== undefined ? { checkout: flags.checkout } : {}),
      onCheckoutProgress: (p) => bar.update(p.files),
    });
  }

  protected override render(step: BisectStep): void {
    for (const line of bisectStepLines(step)) this.out(line);
  }

  protected override failureOf(step: BisectStep) {
    return bisectFailure(step);
  }
}
