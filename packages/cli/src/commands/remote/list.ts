import { Flags } from '@oclif/core';
import { listRemotes } from '@osgit/protocol';
import { OsgitCommand } from '../../base-command.js';
import { shownRemote, type ShownRemote } from '../../shown-remote.js';

export default class RemoteList extends OsgitCommand<ShownRemote[]> {
  static override description = 'List the remotes of the repository (the ones ostree added too)';
  static override examples = ['<%= config.bin %> remote list --repo repo -u'];
  static override flags = { 'show-urls': Flags.boolean({ char: 'u', description: 'show each remote URL too' }) };

  private showUrls = false;

  async exec(): Promise<ShownRemote[]> {
    const { flags } = await this.parse(RemoteList);
    this.showUrls = flags['show-urls'];
    const repo = await this.openRepo(flags.repo);
    return (await listRemotes(repo)).map(shownRemote);
  }

  protected override render(r: ShownRemote[]): void {
    const width = Math.max(0, ...r.map((x) => x.name.length));
    for (const x of r) this.out(this.showUrls ? `${x.name.padEnd(width)}  ${x.url}` : x.name);
  }
}
