import { Args, Flags } from '@oclif/core';
import { deleteRemote } from '@osgit/protocol';
import { OsgitCommand } from '../../base-command.js';

type RemoteDeleteResult = { name: string; deleted: boolean };

export default class RemoteDelete extends OsgitCommand<RemoteDeleteResult> {
  static override description = "Delete a remote from the repository config (its remote-tracking refs stay, as with ostree)";
  static override examples = ['<%= config.bin %> remote delete --repo repo origin'];
  static override args = { name: Args.string({ description: 'remote name', required: true }) };
  static override flags = { 'if-exists': Flags.boolean({ description: 'do nothing if there is no such remote' }) };

  async exec(): Promise<RemoteDeleteResult> {
    const { args, flags } = await this.parse(RemoteDelete);
    const repo = await this.openRepo(flags.repo);
    return { name: args.name, deleted: await deleteRemote(repo, args.name, { ifExists: flags['if-exists'] }) };
  }
}
