import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateTokenKeys, mintToken, parseExpiry, parsePublicKey, parseSecretKey, refPatternMatches, tokenAllowsOp,
  TokenRejected, verifyToken,
} from './index.js';

const NOW = 1_800_000_000; // fixed clock, Unix seconds
const keys = generateTokenKeys();
const secret = parseSecretKey(keys.secretPem);
const pub = parsePublicKey(keys.publicPem);
const claims = { repos: ['os'], refs: ['os/x86_64/*'], ops: ['push' as const], exp: NOW + 3600, iat: NOW, id: 't1' };

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof TokenRejected) return err.reason;
    throw err;
  }
  return 'accepted';
}

describe('push tokens', () => {
  it('round-trips its claims through sign and verify', () => {
    const { token } = mintToken(secret, claims);
    expect(verifyToken(token, pub, NOW)).toEqual({ v: 1, ...claims });
  });

  it('is base64url(JSON).base64url(ed25519 signature over the first part), as written down', () => {
    const { token } = mintToken(secret, claims);
    const [body, sig] = token.split('.') as [string, string];
    expect(JSON.parse(Buffer.from(body, 'base64url').toString())).toEqual({ v: 1, id: 't1', repos: ['os'], refs: ['os/x86_64/*'], ops: ['push'], exp: NOW + 3600, iat: NOW });
    // A signature made by node's ed25519 directly over the same bytes is the same (ed25519 is deterministic).
    expect(sign(null, Buffer.from(body), secret).toString('base64url')).toBe(sig);
  });

  it('refuses a token signed by another key, a changed claim, an expired one and garbage', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(rejection(() => verifyToken(mintToken(other, claims).token, pub, NOW))).toBe('bad-signature');
    const { token } = mintToken(secret, claims);
    const forged = Buffer.from(JSON.stringify({ v: 1, ...claims, refs: ['*'] })).toString('base64url');
    expect(rejection(() => verifyToken(`${forged}.${token.split('.')[1]}`, pub, NOW))).toBe('bad-signature');
    expect(rejection(() => verifyToken(token, pub, NOW + 3600))).toBe('expired');
    for (const junk of ['', '.', 'a.b.c', 'not a token', `${'A'.repeat(20_000)}.AA`, 'é.é']) {
      expect(rejection(() => verifyToken(junk, pub, NOW))).not.toBe('accepted');
    }
  });

  it('refuses well-signed claims that are not a token (wrong version, empty refs, unknown op)', () => {
    for (const payload of [{ ...claims, v: 2 }, { ...claims, refs: [] }, { ...claims, ops: ['delete'] }, [1, 2]]) {
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const token = `${body}.${sign(null, Buffer.from(body), secret).toString('base64url')}`;
      expect(rejection(() => verifyToken(token, pub, NOW))).toBe('malformed');
    }
  });

  it('matches ref prefixes at / boundaries only', () => {
    const cases: Array<[string, string, boolean]> = [
      ['os/x86_64', 'os/x86_64', true],
      ['os/x86_64', 'os/x86_64/stable', true],
      ['os/x86_64', 'os/x86_64-old', false],
      ['os/x86_64/*', 'os/x86_64', true],
      ['os/x86_64/*', 'os/x86_64/stable', true],
      ['os/x86_64/*', 'os/aarch64/stable', false],
      ['os/x86_64/*', 'os/x86_64-old/stable', false],
      ['os', 'osx/stable', false],
      ['*', 'anything/at/all', true],
    ];
    for (const [pattern, ref, expected] of cases) expect([pattern, ref, refPatternMatches(pattern, ref)]).toEqual([pattern, ref, expected]);
  });

  it('lets force imply push, and nothing else imply anything', () => {
    const p = (ops: Array<'read' | 'push' | 'force'>) => ({ v: 1 as const, ...claims, ops });
    expect(tokenAllowsOp(p(['force']), 'push')).toBe(true);
    expect(tokenAllowsOp(p(['push']), 'force')).toBe(false);
    expect(tokenAllowsOp(p(['read']), 'push')).toBe(false);
    expect(tokenAllowsOp(p(['push']), 'read')).toBe(false);
  });

  it("reads OSTree's base64 ed25519 keys (64-byte secret, 32-byte public)", () => {
    const jwk = secret.export({ format: 'jwk' });
    const seed = Buffer.from(jwk.d!, 'base64url');
    const raw = Buffer.from(jwk.x!, 'base64url');
    const ostreeSecret = parseSecretKey(Buffer.concat([seed, raw]).toString('base64') + '\n');
    const ostreePublic = parsePublicKey(raw.toString('base64') + '\n');
    const { token } = mintToken(ostreeSecret, claims);
    expect(verifyToken(token, pub, NOW).id).toBe('t1');
    expect(verifyToken(mintToken(secret, claims).token, ostreePublic, NOW).id).toBe('t1');
    expect(() => parseSecretKey('bm90IGEga2V5')).toThrow(/not an ed25519 secret key/);
    expect(() => parseSecretKey(keys.publicPem)).toThrow(/not an ed25519 secret key/);
  });

  it('parses expiry as a duration from now or an ISO date-time with a zone, never in the past', () => {
    expect(parseExpiry('1h', NOW)).toBe(NOW + 3600);
    expect(parseExpiry('30m', NOW)).toBe(NOW + 1800);
    expect(parseExpiry('7d', NOW)).toBe(NOW + 7 * 86400);
    expect(parseExpiry('2030-01-01T00:00Z', NOW)).toBe(1893456000);
    expect(() => parseExpiry('2020-01-01T00:00Z', NOW)).toThrow(/not in the future/);
    expect(() => parseExpiry('2030-01-01T00:00', NOW)).toThrow(/zone/);
    expect(() => parseExpiry('soon', NOW)).toThrow(/duration/);
  });
});
