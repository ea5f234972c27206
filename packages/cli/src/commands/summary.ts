import { Flags } from '@oclif/core';
import { parseTimestamp, signSummary, updateSummary, type SummaryResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';
import { describeSigner, loadSigningKeys, type SignerDescription } from '../signing-keys.js';

export interface SummaryCommandResult extends SummaryResult {
  /** ISO time written as ostree.summary.expires, if any */
  expires?: string;
  /** the keys that signed summary.sig */
  signers: SignerDescription[];
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

export default class Summary extends OsgitCommand<SummaryCommandResult> {
  static override description =
    "Regenerate the repository's summary file (refs and metadata for clients), like `ostree summary -u`; optionally with an expiry date and signed into summary.sig";
  static override examples = [
    '<%= config.bin %> summary --repo repo -u',
    '<%= config.bin %> summary --repo repo -u --key keys/release.secret --expires 7d',
    '<%= config.bin %> summary --repo repo -u --gpg-key keys/release-gpg.secret --expires 2030-01-01T00:00:00Z',
  ];
  static override flags = {
    update: Flags.boolean({ char: 'u', description: 'regenerate the summary' }),
    key: Flags.string({ description: 'sign summary.sig with this ed25519 secret key file; repeatable', multiple: true, multipleNonGreedy: true }),
    'gpg-key': Flags.string({ description: 'sign summary.sig with this OpenPGP secret key file (armored, unprotected); repeatable', multiple: true, multipleNonGreedy: true }),
    expires: Flags.string({ description: 'write ostree.summary.expires: a duration from now (30m, 12h, 7d, 2w) or a date (ISO 8601 or @EPOCH)' }),
  };

  async exec(): Promise<SummaryCommandResult> {
    const { flags } = await this.parse(Summary);
    if (!flags.update) throw new CliError('USAGE', 'nothing to do: pass -u to regenerate the summary');
    const expires = flags.expires !== undefined ? parseExpiry(flags.expires) : undefined;
    const keys = await loadSigningKeys(flags.key ?? [], flags['gpg-key'] ?? []);
    const repo = await this.openRepo(flags.repo);
    const result = await updateSummary(repo, expires !== undefined ? { expires } : {});
    if (keys.length > 0) await signSummary(repo, keys);
    return {
      ...result,
      ...(expires !== undefined ? { expires: new Date(Number(expires) * 1000).toISOString() } : {}),
      signers: keys.map(describeSigner),
    };
  }

  protected override render(r: SummaryCommandResult): void {
    this.out(`Updated summary: ${r.refs.length} ref(s), ${r.bytes} bytes${r.expires ? `, expires ${r.expires}` : ''}`);
    for (const s of r.signers) this.out(`signed summary.sig with ${s.type} key ${s.key}`);
  }
}

/** Seconds since the epoch of `--expires`: now + a duration, or a date. */
function parseExpiry(text: string): bigint {
  const m = /^(\d+)([smhdw])$/.exec(text.trim());
  if (m) return BigInt(Math.floor(Date.now() / 1000) + Number(m[1]) * UNIT_SECONDS[m[2]!]!);
  try {
    return parseTimestamp(text);
  } catch {
    throw new CliError('USAGE', `--expires takes a duration (30m, 12h, 7d, 2w) or a date (ISO 8601 or @EPOCH), not ${JSON.stringify(text)}`);
  }
}
