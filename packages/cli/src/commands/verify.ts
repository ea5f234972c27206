import { Args, Flags } from '@oclif/core';
import { requireValidSignature, revParse, verifyCommit, StoreError, type SignatureCheck } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError, type TypedError } from '../errors.js';
import { headOptions } from '../worktree-head.js';
import { mergeTrustedKeys, trustedKeysFromFlags } from '../signing-keys.js';
import { remoteTrustedKeys } from '@osgit/protocol';

export interface VerifyResult {
  commit: string;
  /** at least one signature verifies with a trusted key */
  valid: boolean;
  checks: SignatureCheck[];
}

export default class Verify extends OsgitCommand<VerifyResult> {
  static override description =
    'Verify the signatures of a commit against trusted keys: prints each signature and its verdict; exit 10 (SIGNATURE_MISSING / SIGNATURE_INVALID) when none is valid';
  static override examples = [
    '<%= config.bin %> verify --repo repo os/stable --key A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=',
    '<%= config.bin %> verify --repo repo os/stable --keys-file keys/release.pub',
    '<%= config.bin %> verify --repo repo os/stable --gpg-keyring keys/release-gpg.pub',
    '<%= config.bin %> verify --repo repo origin:os/stable --remote origin',
  ];
  static override args = { rev: Args.string({ description: 'the commit to verify (default HEAD, in a worktree)' }) };
  static override flags = {
    key: Flags.string({ description: 'trusted ed25519 public key: base64, or a file of them; repeatable', multiple: true, multipleNonGreedy: true }),
    'keys-file': Flags.string({ description: 'file of trusted ed25519 public keys, one base64 key per line; repeatable', multiple: true, multipleNonGreedy: true }),
    'gpg-keyring': Flags.string({ description: 'trusted OpenPGP public keys (binary keyring or armored); repeatable', multiple: true, multipleNonGreedy: true }),
    remote: Flags.string({ description: "trust the keys remote NAME is configured with (verification-ed25519-key/file, NAME.trustedkeys.gpg, gpgkeypath)" }),
  };

  async exec(): Promise<VerifyResult> {
    const { flags, args } = await this.parse(Verify);
    if (!flags.key?.length && !flags['keys-file']?.length && !flags['gpg-keyring']?.length && !flags.remote) {
      throw new CliError('USAGE', 'no trusted keys: give --key, --keys-file, --gpg-keyring or --remote');
    }
    const repo = await this.openRepo(flags.repo);
    let keys = await trustedKeysFromFlags({ keys: flags.key ?? [], keysFiles: flags['keys-file'] ?? [], gpgKeyrings: flags['gpg-keyring'] ?? [] });
    if (flags.remote) {
      const remoteKeys = await remoteTrustedKeys(repo, flags.remote);
      if (!remoteKeys) throw new CliError('USAGE', `remote ${flags.remote} has no keys to verify with (see 'osgit remote add --gpg-import / --verification-key')`, { remote: flags.remote });
      keys = mergeTrustedKeys(keys, remoteKeys);
    }
    const commit = await revParse(repo, args.rev ?? 'HEAD', await headOptions(repo));
    const report = await verifyCommit(repo, commit, keys);
    return { commit, valid: report.valid, checks: report.checks };
  }

  protected override failureOf(r: VerifyResult): TypedError | undefined {
    try {
      requireValidSignature({ valid: r.valid, checks: r.checks }, `commit ${r.commit}`, { commit: r.commit });
      return undefined;
    } catch (err) {
      return err as StoreError;
    }
  }

  protected override render(r: VerifyResult): void {
    if (r.checks.length === 0) this.out(`${r.commit}: no signature of a trusted kind`);
    for (const c of r.checks) {
      const by = c.key ? ` by ${c.key}` : '';
      const when = c.created ? ` made ${c.created}` : '';
      this.out(`${c.valid ? 'good' : 'BAD'} ${c.type} signature${by}${when}${c.error ? `: ${c.error}` : ''}`);
    }
    if (r.valid) this.out(`${r.commit}: valid signature`);
  }
}
