import { bisectReset, type BisectResetResult } from '@osgit/store';
import { OsgitCommand } from '../../base-command.js';

export default class BisectReset extends OsgitCommand<BisectResetResult> {
  static override description = 'End the bisection: drop its state and the --checkout folder it kept';
  static override examples = ['<%= config.bin %> bisect reset --repo repo'];

  async exec(): Promise<BisectResetResult> {
    const { flags } = await this.parse(BisectReset);
    return bisectReset(await this.openRepo(flags.repo));
  }

  protected override render(r: BisectResetResult): void {
    if (!r.reset) this.out('We are not bisecting.');
    else if (r.removedCheckout) this.out(`bisection ended; removed ${r.removedCheckout}`);
    else this.out('bisection ended');
  }
}
