import { bisectLog } from '@osgit/store';
import { OsgitCommand } from '../../base-command.js';

type BisectLogResult = { lines: string[] };

export default class BisectLog extends OsgitCommand<BisectLogResult> {
  static override description = 'Show the log of the bisection in progress: each mark as a comment and as the command that replays it';
  static override examples = ['<%= config.bin %> bisect log --repo repo', '<%= config.bin %> bisect log --repo repo | grep -v "^#"   # the commands alone'];

  async exec(): Promise<BisectLogResult> {
    const { flags } = await this.parse(BisectLog);
    return { lines: await bisectLog(await this.openRepo(flags.repo)) };
  }

  protected override render(r: BisectLogResult): void {
    for (const line of r.lines) this.out(line);
  }
}
