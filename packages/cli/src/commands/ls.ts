import { Args, Flags } from '@oclif/core';
import { listTree, formatLsEntry, revParse, type LsEntry } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';

export default class Ls extends OsgitCommand<LsEntry[] | null> {
  static override description = 'List a path of a commit (mode, uid, gid, size, path), like `ostree ls`';
  static override examples = ['<%= config.bin %> ls --repo repo os/main /usr/bin', '<%= config.bin %> ls --repo repo -R os/main'];
  static override args = {
    rev: Args.string({ description: 'revision', required: true }),
    path: Args.string({ description: 'path in the tree', default: '/' }),
  };
  static override flags = {
    recursive: Flags.boolean({ char: 'R', description: 'list subfolders recursively' }),
    checksum: Flags.boolean({ char: 'C', description: 'show object checksums' }),
  };

  async exec(): Promise<LsEntry[] | null> {
    const { flags, args } = await this.parse(Ls);
    const repo = await this.openRepo(flags.repo);
    const commit = await revParse(repo, args.rev);
    // Human output streams entry by entry; --json collects them into one document.
    const collected: LsEntry[] = [];
    await listTree(repo, commit, args.path, { recursive: flags.recursive }, (e) => {
      if (this.jsonEnabled()) collected.push(e);
      else this.out(formatLsEntry(e, { checksum: flags.checksum }));
    });
    return this.jsonEnabled() ? collected : null;
  }
}
