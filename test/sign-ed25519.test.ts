// ed25519 signatures in OSTree's format (this ostree has no libsodium, so the oracles are the
// reference's python-cryptography vector (§5.3) and openssl): osgit signs the vector commit with
// the vector key into the vector's .commitmeta, openssl verifies what osgit signs, and every
// bad input is refused with its code and exit status.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deserialize, type GVariantBox } from '../packages/store/src/gvariant/index.js';
import { OSTREE, ostreeCommit, ostreeOk } from './helpers/ostree.js';
import { osgitCommit, osgitInit } from './helpers/osgit.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, requireTool, runOk, run } from './helpers/tools.js';

const tmp = tempDirs('sign-ed25519');
afterAll(() => tmp.cleanup());
const OPENSSL = requireTool('openssl');

const VECTOR_SECRET = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==';
const VECTOR_PUBLIC = 'A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=';
const VECTOR_SIG = '0b940e3840374c9bbe05587162dd73e52a6b72edacd8cc2af09034dd1eab3c7bdde0d0ed87a11db3da80be853f1ea070fb53b9e4e16c4dcc487cb70de95e230a';
// reference §5.3 with its one-byte typo corrected (see packages/store/src/sign/verify-signed-bytes.test.ts)
const VECTOR_COMMITMETA = `6f73747265652e7369676e2e656432353531390000000000${VECTOR_SIG}4000616179145e`;

let dir: string;
let tree: string;
beforeAll(() => {
  dir = tmp.make('keys');
  writeFileSync(join(dir, 'vector.secret'), `${VECTOR_SECRET}\n`);
  tree = tmp.make('tree');
  writeFileSync(join(tree, 'a.txt'), 'a\n');
});

const metaPath = (repo: string, c: string) => join(repo, 'objects', c.slice(0, 2), `${c.slice(2)}.commitmeta`);
const commitPath = (repo: string, c: string) => join(repo, 'objects', c.slice(0, 2), `${c.slice(2)}.commit`);
const ed25519Sigs = (bytes: Buffer): Uint8Array[] =>
  ((deserialize('a{sv}', bytes) as Array<[string, GVariantBox]>).find(([k]) => k === 'ostree.sign.ed25519')?.[1].value as Uint8Array[]) ?? [];

/** openssl's verdict on an Ed25519 signature (SPKI DER built from the raw 32-byte public key). */
async function opensslVerifies(publicB64: string, dataFile: string, sig: Uint8Array): Promise<boolean> {
  const der = join(dir, `pub-${Math.random().toString(16).slice(2)}.der`);
  writeFileSync(der, Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicB64, 'base64')]));
  writeFileSync(`${der}.sig`, sig);
  const r = await run(OPENSSL!, ['pkeyutl', '-verify', '-pubin', '-inkey', der, '-keyform', 'DER', '-rawin', '-in', dataFile, '-sigfile', `${der}.sig`]);
  return r.code === 0 && /Signature Verified Successfully/.test(r.stdout);
}

describe.skipIf(!OSTREE)('the reference vector (§5.3, §8)', () => {
  it('osgit sign of commit ef87eb6e with the vector key writes the vector .commitmeta; verify accepts it', async () => {
    const t = tmp.make('tree8');
    writeFileSync(join(t, 'hello.txt'), 'hello world\n');
    writeFileSync(join(t, 'empty'), '');
    mkdirSync(join(t, 'bin'));
    writeFileSync(join(t, 'bin', 'run.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(join(t, 'bin', 'run.sh'), 0o755);
    symlinkSync('hello.txt', join(t, 'link'));
    mkdirSync(join(t, 'sub', 'deep'), { recursive: true });
    for (const d of [t, join(t, 'bin'), join(t, 'sub'), join(t, 'sub', 'deep')]) chmodSync(d, 0o755);
    for (const f of ['hello.txt', 'empty']) chmodSync(join(t, f), 0o644);
    const repo = tmp.path('vec', 'repo');
    await ostreeOk(['init', `--repo=${repo}`, '--mode=archive']);
    const commit = await ostreeCommit(repo, ['--branch=test/main', '--subject=Test commit', '--body=', '--timestamp=@1577836800', '--owner-uid=0', '--owner-gid=0', '--no-xattrs', t]);
    expect(commit).toBe('ef87eb6e24283b4dd5d04d099f520dba5fa81b8732afd0edf84be5eaabdf826a');
    const r = await osgitOk(['sign', '--repo', repo, 'test/main', '--key', join(dir, 'vector.secret'), '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ commit, signers: [{ type: 'ed25519', key: VECTOR_PUBLIC }] });
    expect(readFileSync(metaPath(repo, commit)).toString('hex')).toBe(VECTOR_COMMITMETA);
    // signing again adds nothing
    await osgitOk(['sign', '--repo', repo, 'test/main', '--key', join(dir, 'vector.secret')]);
    expect(readFileSync(metaPath(repo, commit)).toString('hex')).toBe(VECTOR_COMMITMETA);
    const v = await osgitOk(['verify', '--repo', repo, 'test/main', '--key', VECTOR_PUBLIC, '--json']);
    expect(JSON.parse(v.stdout)).toEqual({ commit, valid: true, checks: [{ type: 'ed25519', key: VECTOR_PUBLIC, valid: true }] });
    // ostree still reads the commit and its detached metadata
    expect((await ostreeOk(['show', `--repo=${repo}`, 'test/main'])).stdout).toContain(`commit ${commit}`);
    expect((await ostreeOk(['fsck', `--repo=${repo}`])).code).toBe(0);
  });
});

describe.skipIf(!OPENSSL)('osgit keygen / commit --sign-key / summary --key, checked by openssl', () => {
  it('signs a commit that openssl verifies with the public key keygen printed', async () => {
    const prefix = join(tmp.make('kg'), 'release');
    const kg = JSON.parse((await osgitOk(['keygen', '--out', prefix, '--json'])).stdout) as { publicKey: string; secretFile: string; publicFile: string };
    expect(readFileSync(kg.publicFile, 'utf8')).toBe(`${kg.publicKey}\n`);
    expect(Buffer.from(readFileSync(kg.secretFile, 'utf8').trim(), 'base64')).toHaveLength(64);
    const repo = tmp.path('c', 'repo');
    await osgitInit(repo, 'archive');
    const commit = await osgitCommit(repo, ['-b', 'os/stable', '-s', 'x', '--sign-key', kg.secretFile, tree]);
    const sigs = ed25519Sigs(readFileSync(metaPath(repo, commit)));
    expect(sigs).toHaveLength(1);
    expect(await opensslVerifies(kg.publicKey, commitPath(repo, commit), sigs[0]!)).toBe(true);
    await osgitOk(['verify', '--repo', repo, 'os/stable', '--keys-file', kg.publicFile]);
    // keygen refuses to overwrite
    const again = await osgit(['keygen', '--out', prefix, '--json']);
    expect(again.code).toBe(2);
  });

  it('summary -u --key --expires: ostree.summary.expires big-endian, summary.sig verified by openssl', async () => {
    const repo = tmp.path('s', 'repo');
    await osgitInit(repo, 'archive');
    await osgitCommit(repo, ['-b', 'os/stable', '-s', 'x', tree]);
    const s = JSON.parse((await osgitOk(['summary', '--repo', repo, '-u', '--key', join(dir, 'vector.secret'), '--expires', '2030-01-01T00:00:00Z', '--json'])).stdout);
    expect(s).toMatchObject({ expires: '2030-01-01T00:00:00.000Z', signers: [{ type: 'ed25519', key: VECTOR_PUBLIC }] });
    const [, meta] = deserialize('(a(s(taya{sv}))a{sv})', readFileSync(join(repo, 'summary'))) as [unknown, Array<[string, GVariantBox]>];
    const expires = meta.find(([k]) => k === 'ostree.summary.expires')![1];
    expect(expires.type).toBe('t');
    const be = Buffer.alloc(8);
    be.writeBigUInt64LE(expires.value as bigint);
    expect(be.readBigUInt64BE()).toBe(1893456000n);
    const sigs = ed25519Sigs(readFileSync(join(repo, 'summary.sig')));
    expect(await opensslVerifies(VECTOR_PUBLIC, join(repo, 'summary'), sigs[0]!)).toBe(true);
    const bad = await osgit(['summary', '--repo', repo, '-u', '--expires', 'soon', '--json']);
    expect([bad.code, JSON.parse(bad.stdout).error.code]).toEqual([2, 'USAGE']);
  });

  it('a worktree commit with --sign-key (the fast commit path hands it to oclif) is signed', async () => {
    const repo = tmp.path('w', 'repo');
    await osgitInit(repo, 'archive');
    await osgitCommit(repo, ['-b', 'os/main', '-s', 'base', tree]);
    const wt = tmp.path('wt', 'wt');
    await osgitOk(['worktree', 'add', '--repo', repo, wt, 'os/main']);
    writeFileSync(join(wt, 'b.txt'), 'b\n');
    const r = await osgitOk(['commit', '-s', 'signed', '--sign-key', join(dir, 'vector.secret')], { cwd: wt });
    const commit = r.stdout.trim().split('\n').pop()!;
    await osgitOk(['verify', '--repo', repo, commit, '--key', VECTOR_PUBLIC]);
  });
});

describe('refusals', () => {
  let repo: string;
  let signed: string;
  let unsigned: string;
  beforeAll(async () => {
    repo = tmp.path('bad', 'repo');
    await osgitInit(repo, 'archive');
    signed = await osgitCommit(repo, ['-b', 'os/stable', '-s', 'x', '--timestamp=@1', '--sign-key', join(dir, 'vector.secret'), tree]);
    unsigned = await osgitCommit(repo, ['-b', 'os/next', '-s', 'y', '--timestamp=@2', tree]);
  });
  const verify = async (args: string[]) => {
    const r = await osgit(['verify', '--repo', repo, ...args, '--json']);
    return { code: r.code, json: JSON.parse(r.stdout) };
  };

  it('a wrong key: SIGNATURE_INVALID, exit 10', async () => {
    const r = await verify([signed, '--key', 'Kay64UG8yvCyLhqU000LxzYeUm0L/hLIl5S8kyKWbdc=']);
    expect(r.code).toBe(10);
    expect(r.json).toMatchObject({ valid: false, checks: [{ type: 'ed25519', valid: false }] });
  });

  it('an unsigned commit: SIGNATURE_MISSING, exit 10', async () => {
    const r = await osgit(['verify', '--repo', repo, unsigned, '--key', VECTOR_PUBLIC, '--json']);
    expect(r.code).toBe(10);
    expect(r.stderr).toContain('is not signed');
  });

  it('a signature moved onto other commit bytes: exit 10', async () => {
    const copy = tmp.path('copy', 'repo');
    await runOk('cp', ['-a', repo, copy]);
    writeFileSync(metaPath(copy, unsigned), readFileSync(metaPath(copy, signed)));
    const r = await osgit(['verify', '--repo', copy, unsigned, '--key', VECTOR_PUBLIC]);
    expect(r.code).toBe(10);
    expect(r.stdout).toContain('BAD ed25519 signature');
  });

  it('a signature of 63 bytes: exit 10 (OSTree: hard error), even beside a valid one', async () => {
    const copy = tmp.path('copy', 'repo');
    await runOk('cp', ['-a', repo, copy]);
    const good = readFileSync(metaPath(copy, signed));
    const sig = ed25519Sigs(good)[0]!;
    const { serialize } = await import('../packages/store/src/gvariant/index.js');
    writeFileSync(metaPath(copy, signed), serialize('a{sv}', [['ostree.sign.ed25519', { type: 'aay', value: [sig, sig.subarray(0, 63)] }]]));
    const r = await osgit(['verify', '--repo', copy, signed, '--key', VECTOR_PUBLIC, '--json']);
    expect(r.code).toBe(10);
    expect(JSON.parse(r.stdout).checks[1].error).toBe('invalid signature length of 63 bytes, expected 64');
  });

  it('garbage keys and key files: KEY_INVALID, exit 2, nothing written', async () => {
    const junk = join(dir, 'junk');
    writeFileSync(junk, 'garbage\n');
    for (const args of [[signed, '--key', 'garbage'], [signed, '--keys-file', junk]]) {
      const r = await verify(args);
      expect([r.code, r.json.error.code]).toEqual([2, 'KEY_INVALID']);
    }
    const before = readFileSync(metaPath(repo, signed));
    const s = await osgit(['sign', '--repo', repo, signed, '--key', junk, '--json']);
    expect([s.code, JSON.parse(s.stdout).error.code]).toEqual([2, 'KEY_INVALID']);
    expect(readFileSync(metaPath(repo, signed)).equals(before)).toBe(true);
    const c = await osgit(['commit', '--repo', repo, '-b', 'os/third', '-s', 'z', '--sign-key', junk, tree, '--json']);
    expect([c.code, JSON.parse(c.stdout).error.code]).toEqual([2, 'KEY_INVALID']);
    expect((await osgit(['rev-parse', '--repo', repo, 'os/third'])).code).toBe(2);
  });

  it('verify --remote trusts the keys the remote is configured with', async () => {
    await osgitOk(['remote', 'add', '--repo', repo, 'keyed', 'http://127.0.0.1:9/repo', '--sign-verify', 'ed25519', '--verification-key', VECTOR_PUBLIC]);
    await osgitOk(['remote', 'add', '--repo', repo, 'bare', 'http://127.0.0.1:9/repo', '--no-gpg-verify']);
    const ok = await osgitOk(['verify', '--repo', repo, signed, '--remote', 'keyed', '--json']);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, checks: [{ type: 'ed25519', key: VECTOR_PUBLIC, valid: true }] });
    expect((await osgit(['verify', '--repo', repo, unsigned, '--remote', 'keyed'])).code).toBe(10);
    const none = await osgit(['verify', '--repo', repo, signed, '--remote', 'bare', '--json']);
    expect([none.code, JSON.parse(none.stdout).error.code]).toEqual([2, 'USAGE']);
  });

  it('sign and verify with no key at all: USAGE, exit 2', async () => {
    expect((await osgit(['sign', '--repo', repo, signed])).code).toBe(2);
    expect((await osgit(['verify', '--repo', repo, signed])).code).toBe(2);
  });
});
