// OpenPGP verification with keys and detached signatures made by openpgp itself (the real gpg
// and ostree are the oracles in test/sign-*.test.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as openpgp from 'openpgp';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { serialize } from '../gvariant/index.js';
import { loadTrustedKeys } from './trusted-keys.js';
import { requireValidSignature, verifySignedBytes } from './verify-signed-bytes.js';

const tmp = tempDirs('sign-gpg');
afterAll(() => tmp.cleanup());

const DATA = Buffer.from('raw commit bytes stand-in');
let alice: openpgp.PrivateKey;
let bob: openpgp.PrivateKey;
let dir: string;

async function detachedSig(key: openpgp.PrivateKey, data: Uint8Array): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: data });
  return openpgp.sign({ message, signingKeys: key, detached: true, format: 'binary' }) as Promise<Uint8Array>;
}
const gpgMeta = (sigs: Uint8Array[]) => Buffer.from(serialize('a{sv}', [['ostree.gpgsigs', { type: 'aay', value: sigs }]]));

beforeAll(async () => {
  dir = tmp.make('ring');
  const make = async (name: string) =>
    (await openpgp.generateKey({ userIDs: [{ name, email: `${name}@example.org` }], format: 'object' })).privateKey;
  alice = await make('alice');
  bob = await make('bob');
  writeFileSync(join(dir, 'alice.gpg'), alice.toPublic().write());
  writeFileSync(join(dir, 'alice.asc'), alice.toPublic().armor());
  writeFileSync(join(dir, 'bob.gpg'), bob.toPublic().write());
});

describe('verifySignedBytes, OpenPGP', () => {
  it('verifies a detached signature with a binary or an armored keyring', async () => {
    const meta = gpgMeta([await detachedSig(alice, DATA)]);
    for (const ring of ['alice.gpg', 'alice.asc']) {
      const keys = await loadTrustedKeys({ gpgKeyrings: [join(dir, ring)] });
      const report = await verifySignedBytes(DATA, meta, keys);
      expect(report.valid).toBe(true);
      expect(report.checks).toEqual([{ type: 'gpg', key: alice.getFingerprint().toUpperCase(), valid: true, created: expect.any(String) }]);
    }
  });

  it('refuses tampered data', async () => {
    const keys = await loadTrustedKeys({ gpgKeyrings: [join(dir, 'alice.gpg')] });
    const report = await verifySignedBytes(Buffer.from('raw commit bytes stand-iN'), gpgMeta([await detachedSig(alice, DATA)]), keys);
    expect(report.valid).toBe(false);
    expect(report.checks[0]!.key).toBe(alice.getFingerprint().toUpperCase());
    expect(() => requireValidSignature(report, 'summary')).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }));
  });

  it('refuses a signature by a key outside the keyring, naming its key id', async () => {
    const keys = await loadTrustedKeys({ gpgKeyrings: [join(dir, 'bob.gpg')] });
    const report = await verifySignedBytes(DATA, gpgMeta([await detachedSig(alice, DATA)]), keys);
    expect(report.valid).toBe(false);
    expect(report.checks[0]!.error).toMatch(/not in the trusted keyring/);
    expect(alice.getFingerprint().toUpperCase()).toContain(report.checks[0]!.key);
  });

  it('accepts any one valid signature among several; reads concatenated keyrings', async () => {
    const ring = join(dir, 'both.gpg');
    writeFileSync(ring, Buffer.concat([alice.toPublic().write(), bob.toPublic().write()]));
    const keys = await loadTrustedKeys({ gpgKeyrings: [ring] });
    const report = await verifySignedBytes(DATA, gpgMeta([Buffer.from('junk'), await detachedSig(bob, DATA)]), keys);
    expect(report.valid).toBe(true);
    expect(report.checks.map((c) => c.valid)).toEqual([false, true]);
  });

  it('ignores gpg signatures when only ed25519 keys are trusted (SIGNATURE_MISSING)', async () => {
    const keys = await loadTrustedKeys({ ed25519Keys: ['A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg='] });
    const report = await verifySignedBytes(DATA, gpgMeta([await detachedSig(alice, DATA)]), keys);
    expect(() => requireValidSignature(report, 'commit x')).toThrow(expect.objectContaining({ code: 'SIGNATURE_MISSING' }));
  });
});

describe('loadTrustedKeys, keyring folders', () => {
  it('reads every file of a folder given as a keyring (as OSTree gpgkeypath)', async () => {
    const ringDir = join(dir, 'ring.d');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(ringDir);
    copyFileSync(join(dir, 'alice.asc'), join(ringDir, 'alice.asc'));
    copyFileSync(join(dir, 'bob.gpg'), join(ringDir, 'bob.gpg'));
    const keys = await loadTrustedKeys({ gpgKeyrings: [ringDir] });
    const report = await verifySignedBytes(DATA, gpgMeta([await detachedSig(bob, DATA)]), keys);
    expect(report.valid).toBe(true);
    expect((keys.gpg as unknown[]).length).toBe(2);
  });
});
