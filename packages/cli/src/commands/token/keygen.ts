import { Args } from '@oclif/core';
import { promises as fs } from 'node:fs';
import { generateTokenKeys } from '@osgit/protocol';
import { OsgitCommand } from '../../base-command.js';
import { CliError } from '../../errors.js';

export interface TokenKeygenResult {
  secretKeyFile: string;
  publicKeyFile: string;
  publicKey: string;
}

export default class TokenKeygen extends OsgitCommand<TokenKeygenResult> {
  static override description =
    'Make an ed25519 key pair for push tokens: OUT (secret, PEM PKCS#8, mode 0600; keep it off the server) and OUT.pub (PEM SPKI, for `osgit serve --token-public-key`)';
  static override examples = ['<%= config.bin %> token keygen ./push-key    # writes push-key and push-key.pub'];
  static override args = { out: Args.string({ description: 'secret key file to create (the public key goes to OUT.pub)', required: true }) };

  async exec(): Promise<TokenKeygenResult> {
    const { args } = await this.parse(TokenKeygen);
    const keys = generateTokenKeys();
    const publicKeyFile = `${args.out}.pub`;
    // 'wx': never overwrite a key someone may already have handed out tokens for.
    for (const [path, text, mode] of [[args.out, keys.secretPem, 0o600], [publicKeyFile, keys.publicPem, 0o644]] as const) {
      try {
        await fs.writeFile(path, text, { flag: 'wx', mode });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new CliError('USAGE', `${path} already exists: choose another name or remove it first`, { path });
        }
        throw err;
      }
    }
    return { secretKeyFile: args.out, publicKeyFile, publicKey: keys.publicPem };
  }

  protected override render(r: TokenKeygenResult): void {
    this.out(`secret key: ${r.secretKeyFile} (keep it off the server)`);
    this.out(`public key: ${r.publicKeyFile} (give it to osgit serve --token-public-key)`);
  }
}
