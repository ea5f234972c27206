import { Args, Flags } from '@oclif/core';
import { promises as fs } from 'node:fs';
import { isTokenId } from '@osgit/protocol';
import { OsgitCommand } from '../../base-command.js';
import { CliError } from '../../errors.js';

export interface TokenRevokeResult {
  id: string;
  file: string;
  alreadyRevoked: boolean;
}

export default class TokenRevoke extends OsgitCommand<TokenRevokeResult> {
  static override description =
    'Revoke a token by id: append it to the revocation file a server reads (`osgit serve --revoked-tokens FILE`, re-read within a second of any change)';
  static override examples = ['<%= config.bin %> token revoke ci-1 --file /etc/osgit/revoked-tokens'];
  static override args = { id: Args.string({ description: 'token id (shown by token create)', required: true }) };
  static override flags = { file: Flags.string({ description: 'revocation file (created if missing)', required: true }) };

  async exec(): Promise<TokenRevokeResult> {
    const { args, flags } = await this.parse(TokenRevoke);
    if (!isTokenId(args.id)) throw new CliError('USAGE', 'a token id is 1-128 of [A-Za-z0-9._-]', { id: args.id });
    let text = '';
    try {
      text = await fs.readFile(flags.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const lines = text.split('\n').map((l) => l.trim().split(/\s+/)[0]);
    if (lines.includes(args.id)) return { id: args.id, file: flags.file, alreadyRevoked: true };
    // One append (O_APPEND): a server reading concurrently sees the old list or the new one.
    const sep = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
    await fs.appendFile(flags.file, `${sep}${args.id}\n`, { mode: 0o644 });
    return { id: args.id, file: flags.file, alreadyRevoked: false };
  }

  protected override render(r: TokenRevokeResult): void {
    this.out(r.alreadyRevoked ? `token ${r.id} was already revoked in ${r.file}` : `revoked token ${r.id} in ${r.file}`);
  }
}
