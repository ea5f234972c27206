import { Args, Flags } from '@oclif/core';
import { addRemote, type Remote, type RemoteTrustOptions } from '@osgit/protocol';
import { OsgitCommand } from '../../base-command.js';
import { parseDurationSecs } from '../../duration-secs.js';
import { CliError } from '../../errors.js';
import { shownRemote, type ShownRemote } from '../../shown-remote.js';

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
    'sign-verify': Flags.string({ description: 'commits must carry a valid signature of this type (sign-verify=true); needs --verification-key or --verification-file', options: ['ed25519'] }),
    'verification-key': Flags.string({ description: 'base64 ed25519 public key (verification-ed25519-key=)' }),
    'verification-file': Flags.string({ description: 'file of base64 ed25519 public keys, one a line (verification-ed25519-file=)' }),
    'sign-verify-summary': Flags.boolean({ description: 'summary.sig must carry a valid ed25519 signature (sign-verify-summary=true)' }),
    'gpg-import': Flags.string({ description: 'OpenPGP public keys (armored or binary) to trust: written as REPO/NAME.trustedkeys.gpg, as ostree does (repeatable)', multiple: true, multipleNonGreedy: true }),
    'gpg-verify-summary': Flags.boolean({ description: 'summary.sig must carry a valid OpenPGP signature (gpg-verify-summary=true)' }),
    'max-summary-age': Flags.string({ description: 'refuse a verified summary older than this (ostree.summary.last-modified): 3600, 90m, 12h, 3d, 1w (osgit-max-summary-age=SECONDS)' }),
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
    const trust: RemoteTrustOptions = {
      ...(flags['sign-verify'] ? { signVerify: flags['sign-verify'] as 'ed25519' } : {}),
      ...(flags['verification-key'] !== undefined ? { verificationKey: flags['verification-key'] } : {}),
      ...(flags['verification-file'] !== undefined ? { verificationFile: flags['verification-file'] } : {}),
      ...(flags['sign-verify-summary'] ? { signVerifySummary: true } : {}),
      ...(flags['gpg-verify-summary'] ? { gpgVerifySummary: true } : {}),
      ...(flags['gpg-import'] ? { gpgImport: flags['gpg-import'] } : {}),
      ...(flags['max-summary-age'] !== undefined ? { maxSummaryAgeSecs: parseDurationSecs(flags['max-summary-age'], '--max-summary-age') } : {}),
    };
    const r = await addRemote(repo, {
      name: args.name, url: args.url, branches, set, gpgVerify: !flags['no-gpg-verify'], ifNotExists: flags['if-not-exists'], trust,
    });
    return { added: r.added, remote: shownRemote(r.remote as Remote) };
  }

  protected override render(r: RemoteAddResult): void {
    if (!r.added) this.out(`remote ${r.remote.name} already exists; left as it is`);
  }
}
