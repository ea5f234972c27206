// Verification against the reference's ed25519 vector (§5.3, made with python-cryptography over
// the commit ef87eb6e… of §8) and OpenPGP keys made with openpgp; every bad case is a verdict.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { isStoreError } from '../errors.js';
import { serialize } from '../gvariant/index.js';
import { loadTrustedKeys } from './trusted-keys.js';
import { requireValidSignature, verifySignedBytes } from './verify-signed-bytes.js';
import { VECTOR_COMMIT as COMMIT, VECTOR_PUBLIC as PUBLIC, VECTOR_SIG as SIG } from '../test-support/ed25519-vector.js';

const tmp = tempDirs('sign-verify');
afterAll(() => tmp.cleanup());

// The reference prints the key with 6 zero bytes after it; GLib (GVariantDict via PyGObject)
// emits 5 (NUL + 4 bytes of padding to the 8-aligned variant), which the literal's own framing
// offsets (0x14 = key end, 0x5e = entry end, 95 bytes in all) confirm: the sixth is a typo.
const COMMITMETA = Buffer.from(`6f73747265652e7369676e2e656432353531390000000000${SIG}4000616179145e`, 'hex');
// Another key (seed 0x20…0x3f), trusted in the wrong-key case.
const OTHER_PUBLIC = 'Kay64UG8yvCyLhqU000LxzYeUm0L/hLIl5S8kyKWbdc=';

function ed25519Meta(sigs: Uint8Array[]): Buffer {
  return Buffer.from(serialize('a{sv}', [['ostree.sign.ed25519', { type: 'aay', value: sigs }]]));
}

describe('verifySignedBytes, ed25519', () => {
  it('has the commit bytes of the vector (their SHA-256 is the commit name)', () => {
    expect(createHash('sha256').update(COMMIT).digest('hex')).toBe('ef87eb6e24283b4dd5d04d099f520dba5fa81b8732afd0edf84be5eaabdf826a');
  });

  it('encodes the .commitmeta of the vector byte for byte', () => {
    expect(ed25519Meta([Buffer.from(SIG, 'hex')]).toString('hex')).toBe(COMMITMETA.toString('hex'));
  });

  it('verifies the vector signature with the vector public key', async () => {
    const keys = await loadTrustedKeys({ ed25519Keys: [PUBLIC] });
    const report = await verifySignedBytes(COMMIT, COMMITMETA, keys);
    expect(report).toEqual({ valid: true, checks: [{ type: 'ed25519', key: PUBLIC, valid: true }] });
    expect(() => requireValidSignature(report, 'commit ef87eb6e')).not.toThrow();
  });

  it('refuses tampered commit bytes', async () => {
    const keys = await loadTrustedKeys({ ed25519Keys: [PUBLIC] });
    const tampered = Buffer.from(COMMIT);
    tampered[60] ^= 1;
    const report = await verifySignedBytes(tampered, COMMITMETA, keys);
    expect(report.valid).toBe(false);
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]!.error).toMatch(/does not verify/);
    expect(() => requireValidSignature(report, 'commit x')).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }));
  });

  it('refuses the signature under a wrong key, naming the trusted keys', async () => {
    const keys = await loadTrustedKeys({ ed25519Keys: [OTHER_PUBLIC] });
    const report = await verifySignedBytes(COMMIT, COMMITMETA, keys);
    expect(report.valid).toBe(false);
    let err: unknown;
    try {
      requireValidSignature(report, 'commit ef87eb6e (ref test/main)');
    } catch (e) {
      err = e;
    }
    expect(isStoreError(err, 'SIGNATURE_INVALID')).toBe(true);
    expect((err as Error).message).toContain(OTHER_PUBLIC);
    expect((err as Error).message).toContain('commit ef87eb6e (ref test/main)');
  });

  it('accepts when any one trusted key verifies any one signature', async () => {
    const keys = await loadTrustedKeys({ ed25519Keys: [OTHER_PUBLIC, PUBLIC] });
    const junk = Buffer.alloc(64, 7);
    const report = await verifySignedBytes(COMMIT, ed25519Meta([junk, Buffer.from(SIG, 'hex')]), keys);
    expect(report.valid).toBe(true);
    expect(report.checks.map((c) => c.valid)).toEqual([false, true]);
  });

  it('fails the whole check on a signature that is not 64 bytes (OSTree: hard error)', async () => {
    const keys = await loadTrustedKeys({ ed25519Keys: [PUBLIC] });
    const report = await verifySignedBytes(COMMIT, ed25519Meta([Buffer.from(SIG, 'hex'), Buffer.alloc(63)]), keys);
    expect(report.valid).toBe(false);
    expect(report.checks[1]!.error).toBe('invalid signature length of 63 bytes, expected 64');
    expect(() => requireValidSignature(report, 'commit x')).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }));
  });

  it('reports no signature as SIGNATURE_MISSING (no .commitmeta, or one without signatures)', async () => {
    const keys = await loadTrustedKeys({ ed25519Keys: [PUBLIC] });
    for (const meta of [null, Buffer.alloc(0), Buffer.from(serialize('a{sv}', [['note', { type: 's', value: 'hi' }]]))]) {
      const report = await verifySignedBytes(COMMIT, meta, keys);
      expect(report).toEqual({ valid: false, checks: [] });
      expect(() => requireValidSignature(report, 'commit x')).toThrow(expect.objectContaining({ code: 'SIGNATURE_MISSING' }));
    }
  });

  it('does not throw on detached metadata that is not an a{sv}', async () => {
    const keys = await loadTrustedKeys({ ed25519Keys: [PUBLIC] });
    const report = await verifySignedBytes(COMMIT, Buffer.from([1, 2, 3]), keys);
    expect(report.valid).toBe(false);
    expect(report.checks[0]!.error).toMatch(/not a valid a\{sv\}/);
  });
});

describe('loadTrustedKeys', () => {
  it('reads key files (one base64 key per line, blank lines allowed)', async () => {
    const file = join(tmp.make('keys'), 'trusted.ed25519');
    writeFileSync(file, `${PUBLIC}\n\n${OTHER_PUBLIC}\n`);
    const keys = await loadTrustedKeys({ ed25519Files: [file] });
    expect(keys.ed25519.map((k) => k.toString('base64'))).toEqual([PUBLIC, OTHER_PUBLIC]);
    expect(keys.gpg).toBeNull();
  });

  it.each([
    ['not base64', 'hello world!'],
    ['31 bytes', Buffer.alloc(31, 1).toString('base64')],
    ['a 64-byte secret key', Buffer.alloc(64, 1).toString('base64')],
  ])('refuses a key that is %s with KEY_INVALID', async (_what, text) => {
    await expect(loadTrustedKeys({ ed25519Keys: [text] })).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });

  it('refuses a key file with a garbage line with KEY_INVALID naming the line', async () => {
    const file = join(tmp.make('keys'), 'bad.ed25519');
    writeFileSync(file, `${PUBLIC}\ngarbage\n`);
    await expect(loadTrustedKeys({ ed25519Files: [file] })).rejects.toMatchObject({ code: 'KEY_INVALID', message: expect.stringContaining('line 2') });
  });

  it('refuses missing files and garbage keyrings with KEY_INVALID', async () => {
    const dir = tmp.make('keys');
    await expect(loadTrustedKeys({ ed25519Files: [join(dir, 'none')] })).rejects.toMatchObject({ code: 'KEY_INVALID' });
    writeFileSync(join(dir, 'ring.gpg'), Buffer.from('not a keyring at all'));
    await expect(loadTrustedKeys({ gpgKeyrings: [join(dir, 'ring.gpg')] })).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });
});
