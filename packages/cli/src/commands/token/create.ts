import { Flags } from '@oclif/core';
import { promises as fs } from 'node:fs';
import { isTokenId, mintToken, parseExpiry, parseSecretKey, TOKEN_OPS, type TokenOp, type TokenPayload } from '@osgit/protocol';
import { validateRefName } from '@osgit/store';
import { OsgitCommand } from '../../base-command.js';
import { CliError } from '../../errors.js';

export interface TokenCreateResult extends TokenPayload {
  token: string;
  expires: string;
}

export default class TokenCreate extends OsgitCommand<TokenCreateResult> {
  static override description =
    'Mint a push token signed with a secret key from `osgit token keygen`: which repositories, ref prefixes (matched at "/" boundaries) and operations it allows, until when';
  static override examples = [
    "<%= config.bin %> token create --key push-key --repo os --ref 'os/x86_64/*' --op push --expires 1h",
    "<%= config.bin %> token create --key push-key --repo '*' --ref '*' --op push --op force --expires 2026-12-31T00:00Z --id ci-1",
  ];
  static override flags = {
    key: Flags.string({ description: 'secret key file (PEM, or OSTree base64 ed25519)', required: true }),
    // Overrides the global --repo (a repository path): a token names repositories as the server
    // serves them, and minting one needs no repository.
    repo: Flags.string({ description: "repository name the token covers, or '*' (repeatable)", required: true, multiple: true }),
    ref: Flags.string({ description: "ref prefix the token covers: 'os/x86_64' or 'os/x86_64/*' (both cover os/x86_64 and below), or '*' (repeatable)", required: true, multiple: true }),
    op: Flags.string({ description: 'operation allowed (repeatable); force implies push', required: true, multiple: true, options: [...TOKEN_OPS] }),
    expires: Flags.string({ description: 'a duration (30m, 1h, 7d, 2w) or an ISO date-time with a zone (2026-12-31T00:00Z)', required: true }),
    id: Flags.string({ description: 'token id, for revocation (default: random)' }),
  };

  async exec(): Promise<TokenCreateResult> {
    const { flags } = await this.parse(TokenCreate);
    for (const repo of flags.repo) {
      if (repo !== '*' && !/^[\w][-.\w]*$/.test(repo)) throw new CliError('USAGE', `invalid repository name ${JSON.stringify(repo)}`, { repo });
    }
    for (const ref of flags.ref) checkRefPattern(ref);
    if (flags.id !== undefined && !isTokenId(flags.id)) throw new CliError('USAGE', 'a token id is 1-128 of [A-Za-z0-9._-]', { id: flags.id });
    const exp = parseExpiry(flags.expires);
    const key = parseSecretKey(await fs.readFile(flags.key, 'utf8'), flags.key);
    const { token, payload } = mintToken(key, {
      repos: flags.repo,
      refs: flags.ref,
      ops: flags.op as TokenOp[],
      exp,
      ...(flags.id !== undefined ? { id: flags.id } : {}),
    });
    return { ...payload, token, expires: new Date(payload.exp * 1000).toISOString() };
  }

  protected override render(r: TokenCreateResult): void {
    process.stderr.write(`token ${r.id}: ${r.ops.join(',')} on ${r.repos.join(',')} refs ${r.refs.join(',')} until ${r.expires}\n`);
    this.out(r.token);
  }
}

function checkRefPattern(pattern: string): void {
  if (pattern === '*') return;
  const prefix = pattern.endsWith('/*') ? pattern.slice(0, -2) : pattern;
  try {
    validateRefName(prefix);
  } catch (cause) {
    throw new CliError('USAGE', `invalid ref prefix ${JSON.stringify(pattern)}: a ref name, optionally ending in /*, or *`, { ref: pattern }, { cause });
  }
}
