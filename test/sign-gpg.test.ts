// OpenPGP signatures in OSTree's format, with the real ostree and gpg as oracles: ostree
// verifies commits and summaries osgit signed (show --gpg-verify-remote, pull with gpg-verify and
// gpg-verify-summary), gpg verifies each detached signature, and osgit verifies what
// `ostree gpg-sign` and `ostree summary -u --gpg-sign` made. Every bad case is refused.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deserialize, type GVariantBox } from '../packages/store/src/gvariant/index.js';
import { loadTrustedKeys } from '../packages/store/src/sign/trusted-keys.js';
import { verifySignedBytes } from '../packages/store/src/sign/verify-signed-bytes.js';
import { GPG, gnupgHome, gpgVerifyDetached, type GnupgHome, type GpgKey } from './helpers/gpg.js';
import { OSTREE, ostree, ostreeCommit, ostreeOk } from './helpers/ostree.js';
import { osgitCommit, osgitInit } from './helpers/osgit.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk } from './helpers/tools.js';

const tmp = tempDirs('sign-gpg');
let gpg: GnupgHome;
let signer: GpgKey;
let stranger: GpgKey;
let dir: string;
let ring: string; // binary public keyring of `signer`
let strangerRing: string;
let secret: string; // armored secret key of `signer`
let tree: string;

beforeAll(async () => {
  if (!GPG || !OSTREE) return;
  gpg = gnupgHome();
  dir = tmp.make('keys');
  signer = await gpg.generateKey('Release', 'release@example.org');
  stranger = await gpg.generateKey('Stranger', 'stranger@example.org');
  ring = await gpg.exportPublicKeyring(join(dir, 'release.gpg'), [signer.fingerprint]);
  strangerRing = await gpg.exportPublicKeyring(join(dir, 'stranger.gpg'), [stranger.fingerprint]);
  secret = await gpg.exportSecretKey(join(dir, 'release.secret.asc'), signer.fingerprint);
  tree = tmp.make('tree');
  writeFileSync(join(tree, 'hello.txt'), 'hello world\n');
  mkdirSync(join(tree, 'etc'));
  writeFileSync(join(tree, 'etc', 'os-release'), 'ID=test\n');
}, 120_000);

afterAll(async () => {
  await gpg?.close();
  await tmp.cleanup();
});

const gpgsigs = (metaBytes: Buffer): Uint8Array[] => {
  const entries = deserialize('a{sv}', metaBytes) as Array<[string, GVariantBox]>;
  return (entries.find(([k]) => k === 'ostree.gpgsigs')?.[1].value as Uint8Array[]) ?? [];
};

/** An archive repo with one signed commit on os/stable, and a summary signed too. */
async function signedRepo(): Promise<{ repo: string; commit: string }> {
  const repo = tmp.path('src', 'repo');
  await osgitInit(repo, 'archive');
  const commit = await osgitCommit(repo, ['-b', 'os/stable', '-s', 'one', '--timestamp=@1700000000', '--gpg-sign-key', secret, tree]);
  await osgitOk(['summary', '--repo', repo, '-u', '--gpg-key', secret]);
  return { repo, commit };
}

describe.skipIf(!GPG || !OSTREE)('OpenPGP signatures: osgit -> ostree, gpg', () => {
  it('ostree show --gpg-verify-remote finds a good signature on a commit osgit signed', async () => {
    const { repo, commit } = await signedRepo();
    await ostreeOk(['remote', 'add', `--repo=${repo}`, `--gpg-import=${ring}`, 'R', 'file:///nonexistent']);
    const r = await ostreeOk(['show', `--repo=${repo}`, `--gpg-verify-remote=R`, commit]);
    expect(r.stdout).toContain(`Good signature from "${signer.userId}"`);
    expect(r.stdout).toContain(`key ID ${signer.keyId}`);
    // plain `ostree show` still reads the commit
    expect((await ostreeOk(['show', `--repo=${repo}`, 'os/stable'])).stdout).toContain(`commit ${commit}`);
  });

  it('ostree pulls from it with gpg-verify and gpg-verify-summary', async () => {
    const { repo, commit } = await signedRepo();
    const dst = tmp.path('dst', 'repo');
    await ostreeOk(['init', `--repo=${dst}`, '--mode=archive']);
    await ostreeOk(['remote', 'add', `--repo=${dst}`, `--gpg-import=${ring}`, '--set=gpg-verify=true', '--set=gpg-verify-summary=true', 'origin', `file://${repo}`]);
    await ostreeOk(['pull', `--repo=${dst}`, 'origin', 'os/stable']);
    expect((await ostreeOk(['rev-parse', `--repo=${dst}`, 'origin:os/stable'])).stdout.trim()).toBe(commit);
    const s = await ostreeOk(['remote', 'summary', `--repo=${dst}`, 'origin']);
    expect(s.stdout).toContain(`Good signature from "${signer.userId}"`);
  });

  it('gpg --verify accepts each detached signature, of the commit and of the summary', async () => {
    const { repo, commit } = await signedRepo();
    const commitBytes = join(repo, 'objects', commit.slice(0, 2), `${commit.slice(2)}.commit`);
    const commitSigs = gpgsigs(readFileSync(`${commitBytes}meta`));
    const summarySigs = gpgsigs(readFileSync(join(repo, 'summary.sig')));
    expect([commitSigs.length, summarySigs.length]).toEqual([1, 1]);
    writeFileSync(join(dir, 'c.sig'), commitSigs[0]!);
    writeFileSync(join(dir, 's.sig'), summarySigs[0]!);
    expect(await gpgVerifyDetached(gpg, join(dir, 'c.sig'), commitBytes)).toBe(true);
    expect(await gpgVerifyDetached(gpg, join(dir, 's.sig'), join(repo, 'summary'))).toBe(true);
    // and each is a binary v4 signature with SHA-512 (gpg --list-packets: "digest algo 10")
    const packets = await gpg.gpg(['--list-packets', join(dir, 'c.sig')]);
    expect(packets.stdout).toMatch(/:signature packet: algo \d+, keyid [0-9A-F]+\n\s+version 4, created \d+, md5len 0, sigclass 0x00\n\s+digest algo 10/);
  });

  it('ostree refuses a signature moved onto another commit, and a tampered summary', async () => {
    const { repo, commit } = await signedRepo();
    const other = await osgitCommit(repo, ['-b', 'os/next', '-s', 'two', '--timestamp=@1700000001', tree]);
    const metaOf = (c: string) => join(repo, 'objects', c.slice(0, 2), `${c.slice(2)}.commitmeta`);
    copyFileSync(metaOf(commit), metaOf(other));
    await ostreeOk(['remote', 'add', `--repo=${repo}`, `--gpg-import=${ring}`, 'R', 'file:///nonexistent']);
    // ostree show prints the verdict (and exits 0 whatever it is)
    const show = await ostree(['show', `--repo=${repo}`, '--gpg-verify-remote=R', other]);
    expect(show.stdout).toContain(`BAD signature from "${signer.userId}"`);
    const v = await osgit(['verify', '--repo', repo, '--gpg-keyring', ring, other, '--json']);
    expect(v.code).toBe(10);
    expect(JSON.parse(v.stdout)).toMatchObject({ valid: false, checks: [{ type: 'gpg', key: signer.fingerprint, valid: false }] });

    const dst = tmp.path('dst', 'repo');
    await ostreeOk(['init', `--repo=${dst}`, '--mode=archive']);
    await ostreeOk(['remote', 'add', `--repo=${dst}`, `--gpg-import=${ring}`, '--set=gpg-verify-summary=true', 'origin', `file://${repo}`]);
    const summary = readFileSync(join(repo, 'summary'));
    summary[summary.length - 20] ^= 1;
    writeFileSync(join(repo, 'summary'), summary);
    const pull = await ostree(['pull', `--repo=${dst}`, 'origin', 'os/stable']);
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/BAD signature|signature/i);
  });
});

describe.skipIf(!OSTREE)('osgit keygen --type gpg', () => {
  it('makes a key whose signatures ostree verifies with the armored .pub imported', async () => {
    const prefix = join(tmp.make('kg'), 'rel');
    const kg = JSON.parse((await osgitOk(['keygen', '--type', 'gpg', '--name', 'OS Release', '--email', 'rel@example.org', '--out', prefix, '--json'])).stdout);
    expect(kg).toMatchObject({ type: 'gpg', userId: 'OS Release <rel@example.org>', publicKey: expect.stringMatching(/^[0-9A-F]{40}$/) });
    const repo = tmp.path('kg', 'repo');
    await osgitInit(repo, 'archive');
    const commit = await osgitCommit(repo, ['-b', 'os/stable', '-s', 'x', '--gpg-sign-key', kg.secretFile, tree]);
    await ostreeOk(['remote', 'add', `--repo=${repo}`, `--gpg-import=${kg.publicFile}`, 'R', 'file:///nonexistent']);
    const r = await ostreeOk(['show', `--repo=${repo}`, '--gpg-verify-remote=R', commit]);
    expect(r.stdout).toContain('Good signature from "OS Release <rel@example.org>"');
    await osgitOk(['verify', '--repo', repo, commit, '--gpg-keyring', kg.publicFile]);
  });
});

describe.skipIf(!GPG || !OSTREE)('OpenPGP signatures: ostree -> osgit', () => {
  it('osgit verify accepts a commit signed by ostree gpg-sign, naming the key', async () => {
    const repo = tmp.path('ostree', 'repo');
    await ostreeOk(['init', `--repo=${repo}`, '--mode=archive']);
    const commit = await ostreeCommit(repo, ['--branch=os/stable', '-s', 'x', '--timestamp=@1700000000', tree]);
    await ostreeOk(['gpg-sign', `--repo=${repo}`, `--gpg-homedir=${gpg.home}`, commit, signer.fingerprint]);
    const r = await osgitOk(['verify', '--repo', repo, '--gpg-keyring', ring, 'os/stable', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({
      commit, valid: true, checks: [{ type: 'gpg', key: signer.fingerprint, valid: true, created: expect.any(String) }],
    });
    const human = await osgitOk(['verify', '--repo', repo, '--gpg-keyring', ring, 'os/stable']);
    expect(human.stdout).toContain(`good gpg signature by ${signer.fingerprint}`);
    // a keyring without the signer: exit 10, SIGNATURE_INVALID
    const wrong = await osgit(['verify', '--repo', repo, '--gpg-keyring', strangerRing, 'os/stable', '--json']);
    expect(wrong.code).toBe(10);
    expect(wrong.stderr).toContain('no valid signature by a trusted key');
  });

  it('osgit verifies a summary signed by ostree summary -u --gpg-sign', async () => {
    const repo = tmp.path('ostree', 'repo');
    await ostreeOk(['init', `--repo=${repo}`, '--mode=archive']);
    await ostreeCommit(repo, ['--branch=os/stable', '-s', 'x', '--timestamp=@1700000000', tree]);
    await ostreeOk(['summary', `--repo=${repo}`, '-u', `--gpg-homedir=${gpg.home}`, `--gpg-sign=${signer.fingerprint}`]);
    const keys = await loadTrustedKeys({ gpgKeyrings: [ring] });
    const report = await verifySignedBytes(readFileSync(join(repo, 'summary')), readFileSync(join(repo, 'summary.sig')), keys);
    expect(report).toEqual({ valid: true, checks: [{ type: 'gpg', key: signer.fingerprint, valid: true, created: expect.any(String) }] });
  });

  it('osgit gpg-sign appends a second signature to an ostree-signed commit, and both verify with ostree', async () => {
    const repo = tmp.path('ostree', 'repo');
    await ostreeOk(['init', `--repo=${repo}`, '--mode=archive']);
    const commit = await ostreeCommit(repo, ['--branch=os/stable', '-s', 'x', '--timestamp=@1700000000', tree]);
    await ostreeOk(['gpg-sign', `--repo=${repo}`, `--gpg-homedir=${gpg.home}`, commit, stranger.fingerprint]);
    await osgitOk(['gpg-sign', '--repo', repo, commit, '--gpg-key', secret]);
    const both = join(dir, 'both.gpg');
    await gpg.exportPublicKeyring(both, [signer.fingerprint, stranger.fingerprint]);
    await ostreeOk(['remote', 'add', `--repo=${repo}`, `--gpg-import=${both}`, 'R', 'file:///nonexistent']);
    const r = await ostreeOk(['show', `--repo=${repo}`, '--gpg-verify-remote=R', commit]);
    expect(r.stdout).toContain('Found 2 signatures');
    expect(r.stdout.match(/Good signature/g)).toHaveLength(2);
  });
});

describe.skipIf(!GPG || !OSTREE)('refusals (nothing written)', () => {
  it('an unsigned commit is SIGNATURE_MISSING (exit 10)', async () => {
    const repo = tmp.path('bad', 'repo');
    await osgitInit(repo, 'archive');
    const commit = await osgitCommit(repo, ['-b', 'os/stable', '-s', 'x', tree]);
    const r = await osgit(['verify', '--repo', repo, '--gpg-keyring', ring, commit, '--json']);
    expect(r.code).toBe(10);
    expect(r.stderr).toMatch(/not signed/);
  });

  it('a garbage key file is KEY_INVALID (exit 2) and commit --gpg-sign-key writes no commit', async () => {
    const repo = tmp.path('bad', 'repo');
    await osgitInit(repo, 'archive');
    const junk = join(dir, 'junk.asc');
    writeFileSync(junk, 'not a key\n');
    const c = await osgit(['commit', '--repo', repo, '-b', 'os/stable', '-s', 'x', '--gpg-sign-key', junk, tree, '--json']);
    expect(c.code).toBe(2);
    expect(JSON.parse(c.stdout).error.code).toBe('KEY_INVALID');
    expect((await osgitOk(['refs', '--repo', repo])).stdout.trim()).toBe('');
    const v = await osgit(['verify', '--repo', repo, '--gpg-keyring', junk, 'x', '--json']);
    expect([v.code, JSON.parse(v.stdout).error.code]).toEqual([2, 'KEY_INVALID']);
  });
});
