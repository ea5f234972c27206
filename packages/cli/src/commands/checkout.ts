import { Args, Flags } from '@oclif/core';
import { checkout, revParse, type CheckoutResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';

export default class Checkout extends OsgitCommand<CheckoutResult> {
  static override description = 'Check out a commit into a new folder (copies; -H hardlinks from bare/bare-user repos)';
  static override examples = [
    '<%= config.bin %> checkout --repo repo os/main /srv/root',
    '<%= config.bin %> checkout --repo repo -U -H os/main ./root      # hardlinks, current user owns files',
    '<%= config.bin %> checkout --repo repo --subpath /etc os/main ./etc-only',
  ];
  static override args = {
    rev: Args.string({ description: 'revision (branch, remote:branch, checksum or prefix, with ^ and ~N)', required: true }),
    destination: Args.string({ description: 'folder to create', required: true }),
  };
  static override flags = {
    'user-mode': Flags.boolean({ char: 'U', description: 'do not restore ownership or extended attributes' }),
    'require-hardlinks': Flags.boolean({ char: 'H', description: 'hardlink files to their objects; fail if that is impossible' }),
    subpath: Flags.string({ description: 'check out only this path of the tree' }),
    union: Flags.boolean({ description: 'write into an existing folder, replacing files in the way' }),
  };

  async exec(): Promise<CheckoutResult> {
    const { flags, args } = await this.parse(Checkout);
    const repo = await this.openRepo(flags.repo);
    const commit = await revParse(repo, args.rev);
    const bar = this.progress('checking out', 'files');
    try {
      return await checkout(repo, {
        commit,
        destination: args.destination,
        userMode: flags['user-mode'],
        requireHardlinks: flags['require-hardlinks'],
        union: flags.union,
        ...(flags.subpath ? { subpath: flags.subpath } : {}),
        onProgress: (p) => bar.update(p.files),
      });
    } finally {
      bar.stop();
    }
  }

  protected override render(r: CheckoutResult): void {
    this.out(`Checked out ${r.commit} to ${r.destination}: ${r.files} files, ${r.dirs} dirs${r.hardlinks ? ' (hardlinked)' : ''}`);
  }
}
