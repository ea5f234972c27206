import { Flags } from '@oclif/core';
import { listRefs, formatRef } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';

type RefsResult = Array<{ ref: string; commit: string }>;

export default class Refs extends OsgitCommand<RefsResult> {
  static override description = 'List refs (branches), with remote-tracking refs as REMOTE:REF';
  static override examples = ['<%= config.bin %> refs --repo repo', '<%= config.bin %> refs --repo repo --json'];
  static override flags = { 'no-remotes': Flags.boolean({ description: 'only local branches' }) };

  async exec(): Promise<RefsResult> {
    const { flags } = await this.parse(Refs);
    const repo = await this.openRepo(flags.repo);
    return (await listRefs(repo, { remotes: !flags['no-remotes'] })).map((r) => ({ ref: formatRef(r.ref), commit: r.commit }));
  }

  protected override render(r: RefsResult): void {
    for (const e of r) this.out(e.ref);
  }
}
