// Verifying pulls against the real ostree and gpg: osgit pulls (dumb, from nginx) commits and a
// summary that `ostree gpg-sign` and `ostree summary -u --gpg-sign` signed, with the keyring
// `remote add --gpg-import` wrote where ostree keeps it (`<repo>/<remote>.trustedkeys.gpg`), and
// ostree itself pulls with that keyring and that config. A keyring of another key is refused by
// both. `remote add`'s trust flags are written as OSTree's keys (ostree reads them back), and a
// bad key, or a verification without a key, is refused with nothing written.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPG, gnupgHome, type GnupgHome, type GpgKey } from './helpers/gpg.js';
import { haveNginx, startNginx, type Nginx } from './helpers/nginx.js';
import { OSTREE, ostree, ostreeCommit, ostreeInit, ostreeOk } from './helpers/ostree.js';
import { osgitInit } from './helpers/osgit.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk } from './helpers/tools.js';

const tmp = tempDirs('pull-verify-ostree');
const NGINX = haveNginx();
let gpg: GnupgHome;
let signer: GpgKey;
let stranger: GpgKey;
let ring: string;
let armored: string;
let strangerRing: string;
let server: string;
let nginx: Nginx;
let c1: string;
let c2: string;

beforeAll(async () => {
  if (!GPG || !OSTREE || !NGINX) return;
  gpg = gnupgHome();
  const keys = tmp.make('keys');
  signer = await gpg.generateKey('Release', 'release@example.org');
  stranger = await gpg.generateKey('Stranger', 'stranger@example.org');
  ring = await gpg.exportPublicKeyring(join(keys, 'release.gpg'), [signer.fingerprint]);
  strangerRing = await gpg.exportPublicKeyring(join(keys, 'stranger.gpg'), [stranger.fingerprint]);
  armored = join(keys, 'release.asc');
  writeFileSync(armored, (await gpg.gpg(['--armor', '--export', signer.fingerprint])).stdout);
  server = join(tmp.make('server'), 'repo');
  await ostreeInit(server, 'archive');
  const tree = tmp.make('tree');
  writeFileSync(join(tree, 'os-release'), 'ID=one\n');
  c1 = await ostreeCommit(server, ['-b', 'os/main', '-s', 'one', `--tree=dir=${tree}`]);
  writeFileSync(join(tree, 'os-release'), 'ID=two\n');
  c2 = await ostreeCommit(server, ['-b', 'os/main', '-s', 'two', `--tree=dir=${tree}`]);
  for (const c of [c1, c2]) await ostreeOk(['gpg-sign', `--repo=${server}`, `--gpg-homedir=${gpg.home}`, c, signer.fingerprint]);
  await ostreeOk(['summary', '-u', `--repo=${server}`, `--gpg-homedir=${gpg.home}`, `--gpg-sign=${signer.fingerprint}`]);
  nginx = await startNginx(server);
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  await gpg?.close();
  await tmp.cleanup();
});

async function newClient(): Promise<string> {
  const repo = join(tmp.make('client'), 'repo');
  await osgitInit(repo, 'archive');
  return repo;
}

describe.skipIf(!GPG || !OSTREE || !NGINX)('verifying pulls with ostree-made OpenPGP signatures', () => {
  it('verifies commits and summary ostree signed, with the keyring it wrote where ostree reads it', async () => {
    const repo = await newClient();
    await osgitOk(['remote', 'add', '--repo', repo, '--gpg-import', armored, '--gpg-verify-summary', 'origin', nginx.url]);
    // The keyring ostree's place, binary, holding the signer's key (gpg reads it).
    const keyring = join(repo, 'origin.trustedkeys.gpg');
    const listed = await gpg.gpg(['--with-colons', '--import-options', 'show-only', '--import', keyring]);
    expect(listed.stdout).toContain(signer.fingerprint);
    expect(readFileSync(keyring)[0]! & 0x80).toBe(0x80); // binary packets, not armor
    const r = await osgitOk(['pull', '--repo', repo, '--json', '--depth', '1', 'origin', 'os/main']);
    const doc = JSON.parse(r.stdout);
    expect(doc.refs).toEqual([expect.objectContaining({ commit: c2 })]);
    expect(doc.verified).toMatchObject({ commits: 2, summary: true });
    expect(doc.verified.keys.map((k: string) => k.toUpperCase())).toEqual([signer.fingerprint]);
    expect(doc.warnings).toEqual([]);
    // ostree reads the same config and keyring: its own verifying pull succeeds.
    expect((await ostreeOk(['config', `--repo=${repo}`, 'get', 'remote "origin".gpg-verify-summary'])).stdout).toBe('true\n');
    await ostreeOk(['pull', `--repo=${repo}`, 'origin', 'os/main']);
    expect((await ostreeOk(['fsck', `--repo=${repo}`])).code).toBe(0);
  });

  it('refuses them with a keyring of another key, as ostree does', async () => {
    const repo = await newClient();
    await osgitOk(['remote', 'add', '--repo', repo, '--gpg-import', strangerRing, '--gpg-verify-summary', 'origin', nginx.url]);
    const r = await osgit(['pull', '--repo', repo, '--json', 'origin', 'os/main']);
    expect(r.code, r.stderr).toBe(10);
    expect(JSON.parse(r.stdout).error.code).toBe('SIGNATURE_INVALID');
    expect(existsSync(join(repo, 'refs', 'remotes', 'origin', 'os', 'main'))).toBe(false);
    const theirs = await ostree(['pull', `--repo=${repo}`, 'origin', 'os/main']);
    expect(theirs.code).not.toBe(0);
    // Commits only (no summary verification): the commit is refused before it is written.
    const commitsOnly = await newClient();
    await osgitOk(['remote', 'add', '--repo', commitsOnly, '--gpg-import', strangerRing, 'origin', nginx.url]);
    const c = await osgit(['pull', '--repo', commitsOnly, '--json', 'origin', 'os/main']);
    expect(JSON.parse(c.stdout).error.code).toBe('SIGNATURE_INVALID');
    expect(existsSync(join(commitsOnly, 'objects', c2.slice(0, 2), `${c2.slice(2)}.commit`))).toBe(false);
  });

  it('a remote with gpg-verify=true and no keyring verifies nothing, and says so', async () => {
    const repo = await newClient();
    await osgitOk(['remote', 'add', '--repo', repo, 'origin', nginx.url]);
    const r = await osgitOk(['pull', '--repo', repo, 'origin', 'os/main']);
    expect(r.stderr).toContain('osgit: warning: nothing was verified: remote origin has no keys');
  });
});

describe.skipIf(!OSTREE)('remote add trust flags', () => {
  const ED_KEY = 'A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg='; // reference §5.3 vector

  it('writes OSTree\'s keys, which ostree reads back, and reports them in remote show --json', async () => {
    const repo = await newClient();
    const keyFile = join(tmp.make('k'), 'trusted.ed25519');
    writeFileSync(keyFile, `${ED_KEY}\n`);
    await osgitOk(['remote', 'add', '--repo', repo, '--sign-verify', 'ed25519', '--verification-key', ED_KEY, '--verification-file', keyFile,
      '--sign-verify-summary', '--no-gpg-verify', '--max-summary-age', '3d', 'origin', 'http://example.com/repo']);
    const get = async (key: string) => (await ostreeOk(['config', `--repo=${repo}`, 'get', `remote "origin".${key}`])).stdout.trim();
    expect(await get('sign-verify')).toBe('true');
    expect(await get('sign-verify-summary')).toBe('true');
    expect(await get('verification-ed25519-key')).toBe(ED_KEY);
    expect(await get('verification-ed25519-file')).toBe(keyFile);
    expect(await get('gpg-verify')).toBe('false');
    expect(await get('osgit-max-summary-age')).toBe(String(3 * 86400));
    expect((await ostreeOk(['remote', 'show-url', `--repo=${repo}`, 'origin'])).stdout).toBe('http://example.com/repo\n');
    const shown = JSON.parse((await osgitOk(['remote', 'show', '--repo', repo, 'origin', '--json'])).stdout);
    expect(shown.trust).toEqual({
      gpgVerify: false, gpgVerifySummary: false, signVerify: true, signVerifySummary: true,
      ed25519Key: ED_KEY, ed25519File: keyFile, gpgKeyPaths: [], maxSummaryAgeSecs: 3 * 86400,
    });
  });

  const bad: Array<[string, string[], number, string]> = [
    ['an ed25519 key that is not one', ['--sign-verify', 'ed25519', '--verification-key', 'bm90IGEga2V5'], 2, 'KEY_INVALID'],
    ['a verification without a key', ['--sign-verify', 'ed25519'], 2, 'INVALID_ARGUMENT'],
    ['a key without a verification', ['--verification-key', ED_KEY], 2, 'INVALID_ARGUMENT'],
    ['a keyring that holds no key', ['--gpg-import', '/etc/hostname'], 2, 'KEY_INVALID'],
    ['a maximum age that is not a duration', ['--max-summary-age', 'soon'], 2, 'USAGE'],
  ];
  for (const [what, flags, exit, code] of bad) {
    it(`refuses ${what} and writes nothing`, async () => {
      const repo = await newClient();
      const before = readFileSync(join(repo, 'config'));
      const r = await osgit(['remote', 'add', '--repo', repo, '--json', ...flags, 'origin', 'http://example.com/repo']);
      expect(r.code, r.stderr).toBe(exit);
      expect(JSON.parse(r.stdout).error.code).toBe(code);
      expect(readFileSync(join(repo, 'config'))).toEqual(before);
      expect(existsSync(join(repo, 'origin.trustedkeys.gpg'))).toBe(false);
    });
  }

  it('remote delete removes the remote\'s keyring, as ostree remote delete does', async () => {
    if (!GPG) return;
    const repo = await newClient();
    await osgitOk(['remote', 'add', '--repo', repo, '--gpg-import', ring, 'origin', 'http://example.com/repo']);
    expect(existsSync(join(repo, 'origin.trustedkeys.gpg'))).toBe(true);
    await osgitOk(['remote', 'delete', '--repo', repo, 'origin']);
    expect(existsSync(join(repo, 'origin.trustedkeys.gpg'))).toBe(false);
  });
});
