import { Args, Flags } from '@oclif/core';
import { revParse, signCommit } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';
import { headOptions } from '../worktree-head.js';
import { describeSigner, loadSigningKeys, type SignerDescription } from '../signing-keys.js';

export interface SignResult {
  commit: string;
  signers: SignerDescription[];
}

export default class Sign extends OsgitCommand<SignResult> {
  static override description =
    "Sign a commit: add ed25519 (ostree.sign.ed25519) or OpenPGP (ostree.gpgsigs) signatures of its raw bytes to its detached metadata, as `ostree sign` / `ostree gpg-sign` do; a key that already signed it is not added twice";
  static override examples = [
    '<%= config.bin %> sign --repo repo os/stable --key keys/release.secret',
    '<%= config.bin %> sign --repo repo os/stable --gpg-key keys/release-gpg.secret',
  ];
  static override args = { rev: Args.string({ description: 'the commit to sign (default HEAD, in a worktree)' }) };
  static override flags = {
    key: Flags.string({ description: 'ed25519 secret key file (base64, as `osgit keygen` writes it); repeatable', multiple: true, multipleNonGreedy: true }),
    'gpg-key': Flags.string({ description: 'OpenPGP secret key file (armored or binary, unprotected); repeatable', multiple: true, multipleNonGreedy: true }),
  };

  async exec(): Promise<SignResult> {
    const { flags, args } = await this.parse(this.constructor as typeof Sign);
    if (!flags.key?.length && !flags['gpg-key']?.length) throw new CliError('USAGE', 'nothing to sign with: give --key FILE (ed25519) or --gpg-key FILE (OpenPGP)');
    // Keys first: a bad key file changes nothing.
    const keys = await loadSigningKeys(flags.key ?? [], flags['gpg-key'] ?? []);
    const repo = await this.openRepo(flags.repo);
    const commit = await revParse(repo, args.rev ?? 'HEAD', await headOptions(repo));
    await signCommit(repo, commit, keys);
    return { commit, signers: keys.map(describeSigner) };
  }

  protected override render(r: SignResult): void {
    for (const s of r.signers) this.out(`signed ${r.commit} with ${s.type} key ${s.key}`);
  }
}
