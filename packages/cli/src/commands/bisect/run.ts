import { Args } from '@oclif/core';
import { bisectRun, StoreError, type BisectRunResult, type BisectTested } from '@osgit/store';
import { OsgitCommand } from '../../base-command.js';
import { bisectFailure, bisectStepLines } from '../../bisect-output.js';
import { bisectTestCommand } from '../../bisect-test-command.js';

export default class BisectRun extends OsgitCommand<BisectRunResult> {
  static override description =
    "Run a test on each commit to test until the first bad commit is found: `run PROGRAM [ARGS...]` runs PROGRAM CHECKOUT ARGS..., `run 'SHELL COMMAND'` gets the checkout as $1; exit 0 good, 125 skip, 1-127 bad, 128+ or a signal stops";
  static override examples = [
    '<%= config.bin %> bisect run --repo repo ./test-root.sh',
    `<%= config.bin %> bisect run --repo repo 'grep -q ok "$1/etc/motd"'`,
    '<%= config.bin %> bisect run --repo repo -- ./check --verbose   # -- before a command with flags',
  ];
  static override strict = false; // ARGS...
  static override args = {
    command: Args.string({ description: "a program (gets the checkout's path as its first argument) or a shell command string ($1 is the path)", required: true }),
    args: Args.string({ description: 'more arguments for the program, after the path' }),
  };

  async exec(): Promise<BisectRunResult> {
    const { argv, flags } = await this.parse(BisectRun);
    const test = bisectTestCommand(argv as string[]);
    const repo = await this.openRepo(flags.repo);
    const human = !this.jsonEnabled();
    const shown = (argv as string[]).join(' ');
    let bar = this.progress('checking out', 'files');
    // Ctrl-C (or SIGTERM) ends the run between steps, after the test in progress, so that its
    // checkout under tmp/ is removed and the marks so far stay; a terminal's Ctrl-C reaches the
    // test too, which usually ends it at once.
    let interrupted: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      interrupted = signal;
    };
    const stopIfInterrupted = () => {
      if (interrupted) {
        throw new StoreError('BISECT_STATE', `bisect run interrupted by ${interrupted}: the marks made so far are kept (osgit bisect log)`, { reason: 'interrupted', signal: interrupted });
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      return await bisectRun(repo, {
        test: async (path, commit) => {
          bar.stop();
          stopIfInterrupted();
          if (human) this.out(`running ${shown} on ${path}`);
          const exit = await test(path, commit, { stdoutToStderr: !human });
          // A Ctrl-C reaches the test and osgit together; the test's end may be seen before
          // osgit's own signal, so a test ended by SIGINT/SIGTERM waits for that signal briefly.
          if (exit.signal === 'SIGINT' || exit.signal === 'SIGTERM') await new Promise((r) => setTimeout(r, 200));
          stopIfInterrupted();
          return exit;
        },
        onTest: (step) => {
          if (human) for (const line of bisectStepLines(step)) this.out(line);
          bar = this.progress('checking out', 'files');
        },
        onTested: (t: BisectTested) => {
          if (human) this.out(`${t.commit} is ${t.verdict === 'skip' ? 'skipped' : t.verdict}${t.exitCode === null ? '' : ` (exit ${t.exitCode})`}`);
        },
        onCheckoutProgress: (p) => bar.update(p.files),
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }

  protected override render(r: BisectRunResult): void {
    for (const line of bisectStepLines(r.step)) this.out(line);
    if (r.step.status === 'found') this.out('bisect found first bad commit');
  }

  protected override failureOf(r: BisectRunResult) {
    return bisectFailure(r.step);
  }
}
