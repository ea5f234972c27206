// Push tokens end to end: minted by the CLI from a key pair it made, checked by openssl (the
// oracle for ed25519 signatures), and enforced by `osgit serve` with the statuses RFC 6750 asks
// for: 401 + WWW-Authenticate for a missing, badly signed, expired or revoked token, 403 for a
// valid token without the right repository, ref or operation.
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, pack, parseSecretKey, smart } from '@osgit/protocol';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, requireTool, runOk } from './helpers/tools.js';
import { startServe, type Served } from './helpers/serve.js';
import { errorCodeOf, rawRequest } from './helpers/http-request.js';

const tmp = tempDirs('tokens');
const OPENSSL = requireTool('openssl');
let keys: { secret: string; pub: string };

async function tokenCreate(args: readonly string[]): Promise<{ token: string; id: string }> {
  const r = await osgitOk(['token', 'create', '--key', keys.secret, '--json', ...args]);
  return JSON.parse(r.stdout) as { token: string; id: string };
}

beforeAll(async () => {
  const dir = tmp.make('keys');
  await osgitOk(['token', 'keygen', join(dir, 'push-key')]);
  keys = { secret: join(dir, 'push-key'), pub: join(dir, 'push-key.pub') };
});
afterAll(() => tmp.cleanup());

describe('osgit token', () => {
  it.skipIf(!OPENSSL)('makes an ed25519 key pair that openssl reads, and mints tokens whose signature openssl verifies', async () => {
    const derived = await runOk(OPENSSL!, ['pkey', '-in', keys.secret, '-pubout']);
    expect(derived.stdout).toBe(await fs.readFile(keys.pub, 'utf8'));
    expect((await fs.stat(keys.secret)).mode & 0o777).toBe(0o600);

    const { token } = await tokenCreate(['--repo', 'os', '--ref', 'os/x86_64/*', '--op', 'push', '--expires', '1h', '--id', 'ci-1']);
    const [body, sig] = token.split('.') as [string, string];
    expect(JSON.parse(Buffer.from(body, 'base64url').toString())).toMatchObject({ v: 1, id: 'ci-1', repos: ['os'], refs: ['os/x86_64/*'], ops: ['push'] });
    const dir = tmp.make('sig');
    await fs.writeFile(join(dir, 'body'), body);
    await fs.writeFile(join(dir, 'sig'), Buffer.from(sig, 'base64url'));
    const v = await runOk(OPENSSL!, ['pkeyutl', '-verify', '-pubin', '-inkey', keys.pub, '-rawin', '-in', join(dir, 'body'), '-sigfile', join(dir, 'sig')]);
    expect(v.stdout).toMatch(/Signature Verified Successfully/);
  });

  it('refuses an expiry in the past, a ref prefix that is no ref name, a public key as the secret, and an existing key file', async () => {
    const base = ['token', 'create', '--repo', 'os', '--op', 'push'];
    const past = await osgit([...base, '--key', keys.secret, '--ref', 'os', '--expires', '2020-01-01T00:00Z', '--json']);
    expect(past.code).toBe(2);
    expect(JSON.parse(past.stdout).error.code).toBe('TOKEN_INVALID');
    expect((await osgit([...base, '--key', keys.secret, '--ref', 'os/../x', '--expires', '1h'])).code).toBe(2);
    const wrongKey = await osgit([...base, '--key', keys.pub, '--ref', 'os', '--expires', '1h', '--json']);
    expect(JSON.parse(wrongKey.stdout).error.code).toBe('TOKEN_INVALID');
    expect((await osgit(['token', 'keygen', keys.secret])).code).toBe(2);
  });

  it('revoke appends the id to the file once', async () => {
    const file = join(tmp.make('revoke'), 'revoked');
    await osgitOk(['token', 'revoke', 'ci-1', '--file', file]);
    await osgitOk(['token', 'revoke', 'ci-2', '--file', file]);
    const again = JSON.parse((await osgitOk(['token', 'revoke', 'ci-1', '--file', file, '--json'])).stdout);
    expect(again.alreadyRevoked).toBe(true);
    expect(await fs.readFile(file, 'utf8')).toBe('ci-1\nci-2\n');
  });
});

describe('osgit serve with --token-public-key', () => {
  let served: Served;
  let revoked: string;

  beforeAll(async () => {
    const root = tmp.make('root');
    for (const name of ['os', 'other']) await osgitOk(['init', '--repo', join(root, name), '--mode', 'archive']);
    revoked = join(tmp.make('revoked'), 'revoked-tokens');
    served = await startServe({ root }, ['--token-public-key', keys.pub, '--revoked-tokens', revoked, '--quiet']);
  });
  afterAll(() => served?.stop());

  const missing = (repo: string, token?: string) =>
    rawRequest(served.url, `/${repo}/osgit/v1/push/missing`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-msgpack', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: smart.writePackRequest([{ type: 'dirmeta', checksum: 'aa'.repeat(32) }]),
    });
  /** A pack with no objects and one ref update: enough to reach the per-ref check. */
  const pushRef = (repo: string, token: string, ref: string) =>
    rawRequest(served.url, `/${repo}/osgit/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-osgit-pack', authorization: `Bearer ${token}` },
      body: Buffer.concat([
        pack.encodePackHeader({ objects: 0, bytes: 0 }),
        pack.encodeRefsRecord([{ ref, old: null, new: randomBytes(32) }]),
        pack.encodePackEnd(0),
      ]),
    });

  it('answers 401 with WWW-Authenticate: Bearer to no token, a token signed by another key, and an expired token', async () => {
    const none = await missing('os');
    expect([none.status, errorCodeOf(none)]).toEqual([401, 'UNAUTHORIZED']);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer realm="osgit"/);

    const otherDir = tmp.make('other-key');
    await osgitOk(['token', 'keygen', join(otherDir, 'k')]);
    const foreign = JSON.parse((await osgitOk(['token', 'create', '--key', join(otherDir, 'k'), '--repo', '*', '--ref', '*', '--op', 'push', '--expires', '1h', '--json'])).stdout).token as string;
    const bad = await missing('os', foreign);
    expect([bad.status, errorCodeOf(bad)]).toEqual([401, 'UNAUTHORIZED']);
    expect(bad.headers['www-authenticate']).toMatch(/error="invalid_token"/);

    const now = Math.floor(Date.now() / 1000);
    const secret = parseSecretKey(await fs.readFile(keys.secret, 'utf8'));
    const expired = mintToken(secret, { repos: ['*'], refs: ['*'], ops: ['push'], iat: now - 7200, exp: now - 3600 }).token;
    const old = await missing('os', expired);
    expect([old.status, errorCodeOf(old)]).toEqual([401, 'UNAUTHORIZED']);
    expect(old.body.toString()).toMatch(/expired/);

    const garbage = await missing('os', 'not-a-token');
    expect(garbage.status).toBe(401);
  });

  it('answers 403 to a valid token for another repository, and to a read-only token', async () => {
    const forOther = await tokenCreate(['--repo', 'other', '--ref', '*', '--op', 'push', '--expires', '1h']);
    const r1 = await missing('os', forOther.token);
    expect([r1.status, errorCodeOf(r1)]).toEqual([403, 'FORBIDDEN']);
    expect((await missing('other', forOther.token)).status).toBe(200);

    const readOnly = await tokenCreate(['--repo', 'os', '--ref', '*', '--op', 'read', '--expires', '1h']);
    const r2 = await missing('os', readOnly.token);
    expect([r2.status, errorCodeOf(r2)]).toEqual([403, 'FORBIDDEN']);
  });

  it("answers 403 when an 'os/x86_64/*' token would move os/aarch64/stable, and lets it past for os/x86_64/stable", async () => {
    const { token } = await tokenCreate(['--repo', 'os', '--ref', 'os/x86_64/*', '--op', 'push', '--expires', '1h']);
    const denied = await pushRef('os', token, 'os/aarch64/stable');
    expect([denied.status, errorCodeOf(denied)]).toEqual([403, 'FORBIDDEN']);
    const prefixTrap = await pushRef('os', token, 'os/x86_64-old');
    expect([prefixTrap.status, errorCodeOf(prefixTrap)]).toEqual([403, 'FORBIDDEN']);
    // Allowed by the token: refused only further on, because the commit it names does not exist.
    const allowed = await pushRef('os', token, 'os/x86_64/stable');
    expect([allowed.status, errorCodeOf(allowed)]).toEqual([422, 'PUSH_REJECTED']);
  });

  it('refuses a token revoked after the server started, without a restart', async () => {
    const { token, id } = await tokenCreate(['--repo', 'os', '--ref', '*', '--op', 'push', '--expires', '1h', '--id', 'to-revoke']);
    expect((await missing('os', token)).status).toBe(200);
    await osgitOk(['token', 'revoke', id, '--file', revoked]);
    // The server looks at the file at most once a second: ask until it has (bounded, not timed).
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await missing('os', token)).status;
    }
    expect(status).toBe(401);
    const r = await missing('os', token);
    expect(r.body.toString()).toMatch(/revoked/);
  });
});

describe('osgit serve without --token-public-key', () => {
  it('refuses every push with 403 and says why', async () => {
    const repo = join(tmp.make('nokey'), 'repo');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    const served = await startServe({ repo }, ['--quiet']);
    try {
      const r = await rawRequest(served.url, '/osgit/v1/push/missing', { method: 'POST', body: smart.writePackRequest([]) });
      expect([r.status, errorCodeOf(r)]).toEqual([403, 'FORBIDDEN']);
      expect(r.body.toString()).toMatch(/--token-public-key/);
    } finally {
      await served.stop();
    }
  });
});
