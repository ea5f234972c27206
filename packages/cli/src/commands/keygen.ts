import { Flags } from '@oclif/core';
import { generateSigningKey } from '@osgit/store';
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';

export interface KeygenResult {
  type: 'ed25519' | 'gpg';
  secretFile: string;
  publicFile: string;
  /** base64 public key (ed25519) or OpenPGP fingerprint (gpg) */
  publicKey: string;
  userId?: string;
}

export default class Keygen extends OsgitCommand<KeygenResult> {
  static override description =
    'Make a signing key pair in OSTree\'s formats: PREFIX.secret (mode 0600) and PREFIX.pub. ed25519: base64 keys, one per line (secret = seed and public key); gpg: armored OpenPGP keys';
  static override examples = [
    '<%= config.bin %> keygen --out keys/release',
    '<%= config.bin %> keygen --type gpg --name "OS Release" --email release@example.org --out keys/release-gpg',
  ];
  static override flags = {
    type: Flags.string({ description: 'key type', options: ['ed25519', 'gpg'], default: 'ed25519' }),
    out: Flags.string({ description: 'file name prefix (default: osgit-ed25519 or osgit-gpg in the current folder)' }),
    name: Flags.string({ description: 'gpg: the user id name' }),
    email: Flags.string({ description: 'gpg: the user id email' }),
    force: Flags.boolean({ description: 'overwrite existing key files' }),
  };

  async exec(): Promise<KeygenResult> {
    const { flags } = await this.parse(Keygen);
    const type = flags.type as 'ed25519' | 'gpg';
    if (type === 'ed25519' && (flags.name || flags.email)) throw new CliError('USAGE', '--name and --email apply to --type gpg');
    const prefix = resolve(flags.out ?? `osgit-${type}`);
    const secretFile = `${prefix}.secret`;
    const publicFile = `${prefix}.pub`;
    if (!flags.force) {
      for (const f of [secretFile, publicFile]) {
        if (await fs.stat(f).then(() => true, () => false)) throw new CliError('USAGE', `${f} exists; pass --force to overwrite it`, { file: f });
      }
    }
    const key = await generateSigningKey(type, { ...(flags.name ? { name: flags.name } : {}), ...(flags.email ? { email: flags.email } : {}) });
    // The secret is written 0600 from the start (never readable by others, even briefly).
    await fs.rm(secretFile, { force: true });
    await fs.writeFile(secretFile, key.secretText, { mode: 0o600, flag: 'wx' });
    await fs.writeFile(publicFile, key.publicText, { mode: 0o644 });
    return { type, secretFile, publicFile, publicKey: key.publicKey, ...(key.userId ? { userId: key.userId } : {}) };
  }

  protected override render(r: KeygenResult): void {
    this.out(`secret key: ${r.secretFile}`);
    this.out(`public key: ${r.publicFile}${r.userId ? ` (${r.userId})` : ''}`);
    this.out(r.publicKey);
  }
}
