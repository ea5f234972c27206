import { Args } from '@oclif/core';
import { getRemote } from '@osgit/protocol';
import { OsgitCommand } from '../../base-command.js';
import { shownRemote, type ShownRemote } from '../../shown-remote.js';

export default class RemoteShow extends OsgitCommand<ShownRemote> {
  static override description = "Show a remote's configuration (its URL, then every key; a token's value is hidden)";
  static override examples = ['<%= config.bin %> remote show --repo repo origin'];
  static override args = { name: Args.string({ description: 'remote name', required: true }) };

  async exec(): Promise<ShownRemote> {
    const { args, flags } = await this.parse(RemoteShow);
    const repo = await this.openRepo(flags.repo);
    return shownRemote(await getRemote(repo, args.name));
  }

  protected override render(r: ShownRemote): void {
    this.out(r.url);
    for (const [k, v] of Object.entries(r.options)) if (k !== 'url') this.out(`${k}=${v}`);
  }
}
