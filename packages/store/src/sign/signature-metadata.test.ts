// Signing: the reference §5.3 vector signed anew gives the literal signature; appending keeps
// other keys in GLib's GVariantDict order (PyGObject as the oracle); signCommit / signSummary
// round trips through verifyCommit / verifySignedBytes; bad keys are KEY_INVALID.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as openpgp from 'openpgp';
import { commitFiles } from '../../../../test/helpers/store-fixtures.js';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool, runOk } from '../../../../test/helpers/tools.js';
import { deserialize, serialize, type GVariantBox } from '../gvariant/index.js';
import { Repo } from '../repo/repo.js';
import { updateSummary } from '../inspect/summary.js';
import { loadSigningKey, type SigningKey } from './signing-key.js';
import { signatureMetadata } from './signature-metadata.js';
import { signCommit } from './sign-commit.js';
import { signSummary } from './sign-summary.js';
import { loadTrustedKeys } from './trusted-keys.js';
import { verifyCommit } from './verify-commit.js';
import { verifySignedBytes } from './verify-signed-bytes.js';
import { VECTOR_COMMIT as COMMIT, VECTOR_SECRET as SECRET, VECTOR_PUBLIC as PUBLIC, VECTOR_SIG as SIG } from '../test-support/ed25519-vector.js';

const tmp = tempDirs('sign-meta');
afterAll(() => tmp.cleanup());

// Seed 0x20..0x3f (python-cryptography), a second key.
const SECRET2 = 'ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8prLrhQbzK8LIuGpTTTQvHNh5SbQv+EsiXlLyTIpZt1w==';

let dir: string;
let vectorKey: SigningKey;
let gpgKey: SigningKey;
let gpgPublicRing: string;

beforeAll(async () => {
  dir = tmp.make('keys');
  writeFileSync(join(dir, 'vector.secret'), `${SECRET}\n`);
  vectorKey = await loadSigningKey(join(dir, 'vector.secret'), 'ed25519');
  const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'Signer', email: 'signer@example.org' }], format: 'armored' });
  writeFileSync(join(dir, 'gpg.secret.asc'), privateKey);
  gpgPublicRing = join(dir, 'gpg.pub.asc');
  writeFileSync(gpgPublicRing, publicKey);
  gpgKey = await loadSigningKey(join(dir, 'gpg.secret.asc'), 'gpg');
});

describe('loadSigningKey', () => {
  it('reads the vector secret key and derives its public key', () => {
    expect(vectorKey.type).toBe('ed25519');
    expect(vectorKey.type === 'ed25519' && vectorKey.publicKey.toString('base64')).toBe(PUBLIC);
  });

  it.each([
    ['garbage', 'garbage!!'],
    ['a public key', PUBLIC],
    ['a secret whose halves disagree', Buffer.concat([Buffer.from(SECRET, 'base64').subarray(0, 32), Buffer.alloc(32, 9)]).toString('base64')],
    ['empty', ''],
  ])('refuses %s as an ed25519 secret with KEY_INVALID', async (_what, text) => {
    const file = join(dir, 'bad.secret');
    writeFileSync(file, text);
    await expect(loadSigningKey(file, 'ed25519')).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });

  it('refuses a missing file, a public OpenPGP key and a passphrase-protected one with KEY_INVALID', async () => {
    await expect(loadSigningKey(join(dir, 'none'), 'gpg')).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await expect(loadSigningKey(gpgPublicRing, 'gpg')).rejects.toMatchObject({ code: 'KEY_INVALID' });
    const { privateKey } = await openpgp.generateKey({ userIDs: [{ name: 'P' }], passphrase: 'secret', format: 'armored' });
    writeFileSync(join(dir, 'locked.asc'), privateKey);
    await expect(loadSigningKey(join(dir, 'locked.asc'), 'gpg')).rejects.toMatchObject({ code: 'KEY_INVALID', message: expect.stringContaining('passphrase') });
  });
});

describe('signatureMetadata', () => {
  it('signs the vector commit with the vector signature, in the .commitmeta bytes GLib gives', async () => {
    const meta = await signatureMetadata(COMMIT, [vectorKey]);
    expect(meta.toString('hex')).toBe(`6f73747265652e7369676e2e656432353531390000000000${SIG}4000616179145e`);
  });

  it('does not add a signature that is already there', async () => {
    const once = await signatureMetadata(COMMIT, [vectorKey]);
    expect((await signatureMetadata(COMMIT, [vectorKey], once)).equals(once)).toBe(true);
    const gpgOnce = await signatureMetadata(COMMIT, [gpgKey]);
    expect((await signatureMetadata(COMMIT, [gpgKey], gpgOnce)).equals(gpgOnce)).toBe(true);
  });

  it('appends to existing metadata like a GVariantDict round trip in GLib (PyGObject oracle)', async () => {
    const python = requireTool('/usr/bin/python3');
    if (!python) return;
    const keys: Array<[string, GVariantBox]> = ['note', 'version', 'xa.data', 'ostree.ref-binding', 'a', 'zz.top', 'ostree.gpgsigs.x'].map((k) => [k, { type: 's', value: `v-${k}` }]);
    const existing = Buffer.from(serialize('a{sv}', keys));
    writeFileSync(join(dir, 'existing'), existing);
    const ours = await signatureMetadata(COMMIT, [vectorKey], existing);
    const script = [
      'import sys',
      'from gi.repository import GLib',
      "old = GLib.Variant.new_from_bytes(GLib.VariantType('a{sv}'), GLib.Bytes(open(sys.argv[1], 'rb').read()), True)",
      'd = GLib.VariantDict.new(old)',
      `d.insert_value('ostree.sign.ed25519', GLib.Variant('aay', [bytes.fromhex('${SIG}')]))`,
      'sys.stdout.write(d.end().get_data_as_bytes().get_data().hex())',
    ].join('\n');
    writeFileSync(join(dir, 'append.py'), script);
    const r = await runOk(python, [join(dir, 'append.py'), join(dir, 'existing')]);
    expect(ours.toString('hex')).toBe(r.stdout.trim());
  });

  it('signs with several keys of both kinds; each verifies', async () => {
    writeFileSync(join(dir, 'two.secret'), SECRET2);
    const second = await loadSigningKey(join(dir, 'two.secret'), 'ed25519');
    const meta = await signatureMetadata(COMMIT, [vectorKey, second, gpgKey]);
    const parsed = deserialize('a{sv}', meta) as Array<[string, GVariantBox]>;
    expect(parsed.map(([k]) => k).sort()).toEqual(['ostree.gpgsigs', 'ostree.sign.ed25519']);
    const trusted = await loadTrustedKeys({ ed25519Keys: [second.type === 'ed25519' ? second.publicKey.toString('base64') : ''], gpgKeyrings: [gpgPublicRing] });
    const report = await verifySignedBytes(COMMIT, meta, trusted);
    expect(report.checks.map((c) => [c.type, c.valid])).toEqual([['ed25519', false], ['ed25519', true], ['gpg', true]]);
  });

  it('makes binary detached v4 OpenPGP signatures of the raw bytes with SHA-512 (as gpg does)', async () => {
    const meta = await signatureMetadata(COMMIT, [gpgKey]);
    const [[, box]] = deserialize('a{sv}', meta) as Array<[string, GVariantBox]>;
    const sig = await openpgp.readSignature({ binarySignature: (box!.value as Uint8Array[])[0]! });
    const packet = sig.packets[0]!;
    expect([packet.version, packet.signatureType, packet.hashAlgorithm]).toEqual([4, 0, 10]);
  });

  it('refuses existing detached metadata that is not an a{sv} (OBJECT_CORRUPT)', async () => {
    await expect(signatureMetadata(COMMIT, [vectorKey], Buffer.from([1, 2, 3]))).rejects.toMatchObject({ code: 'OBJECT_CORRUPT' });
  });
});

describe('signCommit and signSummary', () => {
  it('sign a commit and the summary in place; verifyCommit and the summary check agree', async () => {
    const repoDir = tmp.make('repo');
    const repo = await Repo.init(repoDir, { mode: 'archive' });
    const commit = await commitFiles(repo, tmp.make('tree'), { 'a.txt': 'a\n' }, { branch: 'os/stable', subject: 's', timestamp: 1577836800n });
    const trusted = await loadTrustedKeys({ ed25519Keys: [PUBLIC], gpgKeyrings: [gpgPublicRing] });
    await expect(verifyCommit(repo, commit, trusted)).resolves.toEqual({ valid: false, checks: [] });
    await signCommit(repo, commit, [vectorKey, gpgKey]);
    const report = await verifyCommit(repo, commit, trusted);
    expect(report.valid).toBe(true);
    expect(report.checks.map((c) => c.type)).toEqual(['ed25519', 'gpg']);

    await expect(signSummary(repo, [vectorKey])).rejects.toMatchObject({ code: 'OBJECT_MISSING' });
    await updateSummary(repo);
    await signSummary(repo, [vectorKey, gpgKey]);
    const summary = readFileSync(join(repoDir, 'summary'));
    const sig = readFileSync(join(repoDir, 'summary.sig'));
    expect((await verifySignedBytes(summary, sig, trusted)).checks.map((c) => c.valid)).toEqual([true, true]);
    await updateSummary(repo);
    expect(existsSync(join(repoDir, 'summary.sig'))).toBe(false);
  });

  it('refuses to sign a commit that is not in the repository (OBJECT_MISSING), writing nothing', async () => {
    const repo = await Repo.init(tmp.make('repo'), { mode: 'archive' });
    const missing = 'ab'.repeat(32);
    await expect(signCommit(repo, missing, [vectorKey])).rejects.toMatchObject({ code: 'OBJECT_MISSING' });
    expect(existsSync(repo.objectPath(missing, 'commitmeta'))).toBe(false);
  });
});
