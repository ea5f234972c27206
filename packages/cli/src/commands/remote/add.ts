import { Args, Flags } from '@oclif/core';
import { addRemote, type Remote } from '@osgit/protocol';
import { OsgitCommand } from '../../base-command.js';
import { CliError } from '../../errors.js';
import { shownRemote, type ShownRemote } from '../../shown-remote.js';
import { trustFlags, trustOptions } from '../../trust-flags.js';

type RemoteAddResult = { added: boolean; remote: ShownRemote };

export default class RemoteAdd extends OsgitCommand<RemoteAddResult> {
  static override description = "Add a remote to the repository config (OSTree's [remote \"NAME\"] keys, seen by `ostree remote list`)";
  static override examples = [
    '<%= config.bin %> remote add --repo repo origin https://example.com/repo --no-gpg-verify',
    '<%= config.bin %> remote add --repo repo origin https://example.com/repo os/x86_64/stable --set osgit-stall-timeout-secs=60',
    '<%= config.bin %> remote add --repo repo origin https://example.com/repo --sign-verify ed25519 --verification-key A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg= --sign-verify-summary --max-summary-age 3d',
    '<%= config.bin %> remote add --repo repo origin https://example.com/repo --gpg-import origin-key.asc --gpg-verify-summary',
  ];
  static override strict = false; // BRANCH... after NAME and URL
  static override args = {
    name: Args.string({ description: 'remote name', required: true }),
    url: Args.string({ description: 'base URL of the remote repository (http:// or https://)', required: true }),
    branches: Args.string({ description: 'branches to pull by default (written as branches=a;b;)' }),
  };
  static override flags = {
    'no-gpg-verify': Flags.boolean({ description: 'write gpg-verify=false (do not require GPG signatures)' }),
    set: Flags.string({ description: 'set KEY=VALUE in the remote group (repeatable; OSTree keys or osgit-token, osgit-stall-timeout-secs, osgit-protocol)', multiple: true, multipleNonGreedy: true }),
    'if-not-exists': Flags.boolean({ description: 'do nothing if a remote of that name exists' }),
    ...trustFlags,
  };

  async exec(): Promise<RemoteAddResult> {
    const { args, argv, flags } = await this.parse(RemoteAdd);
    const branches = (argv as string[]).slice(2);
    const set = (flags.set ?? []).map((kv): [string, string] => {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new CliError('USAGE', `--set takes KEY=VALUE, not ${JSON.stringify(kv)}`);
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    });
    const repo = await this.openRepo(flags.repo);
    if (flags['no-gpg-verify'] && (flags['gpg-import'] || flags['gpg-verify-summary'])) {
      throw new CliError('USAGE', '--no-gpg-verify with --gpg-import or --gpg-verify-summary: choose one');
    }
    const trust = trustOptions(flags);
    const r = await addRemote(repo, {
      name: args.name, url: args.url, branches, set, gpgVerify: !flags['no-gpg-verify'], ifNotExists: flags['if-not-exists'], trust,
    });
    return { added: r.added, remote: shownRemote(r.remote as Remote) };
  }

  protected override render(r: RemoteAddResult): void {
    if (!r.added) this.out(`remote ${r.remote.name} already exists; left as it is`);
  }
}
