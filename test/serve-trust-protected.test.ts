// Protected refs on `osgit serve` (--protect PREFIX --protect-keys FILE / --protect-gpg-keys FILE):
// a push that moves a protected ref is accepted only when every commit it brings to that ref is
// signed by a listed key; refused pushes exit 10 (refused by trust) and move and keep nothing.
// Signatures are made outside the code under test: ed25519 with node's crypto in OSTree's
// detached-metadata layout (reference §5.3), OpenPGP by the real `ostree gpg-sign`.
import { promises as fs } from 'node:fs';
import { generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gvariant } from '@osgit/store';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, requireTool, run, type RunResult } from './helpers/tools.js';
import { OSTREE, objectPath, ostreeOk } from './helpers/ostree.js';
import { startServe, type Served } from './helpers/serve.js';

const GPG = requireTool('gpg');
const tmp = tempDirs('serve-trust-protected');
let tokenSecret: string;
let tokenPublic: string;
let token: string;

interface Ed25519Pair {
  /** 64-byte libsodium secret: seed ‖ public */
  secret: Buffer;
  public: Buffer;
  /** file holding the public key, one base64 line (OSTree's verification-ed25519-file) */
  publicFile: string;
}

function ed25519Pair(name: string): Ed25519Pair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const publicFile = join(tmp.make('keys'), `${name}.pub`);
  return { secret: Buffer.concat([seed, pub]), public: pub, publicFile };
}

let listed: Ed25519Pair;
let unlisted: Ed25519Pair;

/** Where a metadata object of `repo` (archive or bare-user: same layout for commits) lives. */
// Every repository here is archive; only commits and their detached metadata are looked at.
const objectFile = (repo: string, checksum: string, type: 'commit' | 'commitmeta') => objectPath(repo, checksum, type, 'archive');

/**
 * Signs commit `commit` of `repo` with ed25519 key `key`, as OSTree's ed25519 signer:
 * `ostree.sign.ed25519` (aay) over the raw commit bytes; `append` keeps the signatures there.
 */
async function signEd25519(repo: string, commit: string, key: Ed25519Pair, opts: { append?: boolean } = {}): Promise<void> {
  const bytes = await fs.readFile(objectFile(repo, commit, 'commit'));
  const privateKey = { key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), key.secret.subarray(0, 32)]), format: 'der' as const, type: 'pkcs8' as const };
  const signature = sign(null, bytes, privateKey);
  let before: Uint8Array[] = [];
  if (opts.append) {
    const old = gvariant.deserialize('a{sv}', await fs.readFile(objectFile(repo, commit, 'commitmeta'))) as Array<[string, gvariant.GVariantBox]>;
    before = old[0]![1].value as Uint8Array[];
  }
  const meta = gvariant.serialize('a{sv}', [['ostree.sign.ed25519', { type: 'aay', value: [...before, new Uint8Array(signature)] }]]);
  await fs.writeFile(objectFile(repo, commit, 'commitmeta'), meta);
}

/** A server repository behind `osgit serve` with pushes allowed and `extra` flags. */
async function serveRepo(extra: readonly string[]): Promise<{ repo: string; served: Served }> {
  const repo = join(tmp.make('server'), 'srv');
  await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
  const served = await startServe({ repo }, ['--token-public-key', tokenPublic, '--quiet', ...extra]);
  return { repo, served };
}

async function clientRepo(url: string): Promise<{ repo: string; tree: string }> {
  const repo = join(tmp.make('client'), 'repo');
  await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
  await osgitOk(['remote', 'add', '--repo', repo, '--no-gpg-verify', 'origin', url]);
  const tree = tmp.make('tree');
  await fs.writeFile(join(tree, 'os-release'), 'ID=test\n');
  return { repo, tree };
}

let stamp = 1577836800;
async function commit(repo: string, tree: string, branch: string): Promise<string> {
  await fs.writeFile(join(tree, 'serial'), `${stamp}\n`);
  const r = await osgitOk(['commit', '--repo', repo, '-b', branch, `--timestamp=@${stamp++}`, tree]);
  return r.stdout.trim().split('\n').pop()!;
}

function push(repo: string, ...refs: string[]): Promise<RunResult> {
  return osgit(['push', '--repo', repo, '--json', 'origin', ...refs], { env: { OSGIT_TOKEN: token } });
}

async function serverRef(repo: string, ref: string): Promise<string | null> {
  try {
    return (await fs.readFile(join(repo, 'refs', 'heads', ref), 'utf8')).trim();
  } catch {
    return null;
  }
}

const hasObject = (repo: string, checksum: string, ext: 'commit' | 'commitmeta') => fs.access(objectFile(repo, checksum, ext)).then(() => true, () => false);

function errorOf(r: RunResult): { code: string; message: string; exitCode: number } {
  return (JSON.parse(r.stdout) as { error: { code: string; message: string; exitCode: number } }).error;
}

beforeAll(async () => {
  const dir = tmp.make('token');
  await osgitOk(['token', 'keygen', join(dir, 'k')]);
  tokenSecret = join(dir, 'k');
  tokenPublic = join(dir, 'k.pub');
  const r = await osgitOk(['token', 'create', '--key', tokenSecret, '--expires', '1h', '--json', '--repo', '*', '--ref', '*', '--op', 'push', '--op', 'force']);
  token = (JSON.parse(r.stdout) as { token: string }).token;
  listed = ed25519Pair('listed');
  unlisted = ed25519Pair('unlisted');
  await fs.writeFile(listed.publicFile, `# release key\n${listed.public.toString('base64')}\n`);
  await fs.writeFile(unlisted.publicFile, `${unlisted.public.toString('base64')}\n`);
});
afterAll(() => tmp.cleanup());

describe('osgit serve --protect', () => {
  it('accepts a push whose new commit is signed by a listed key, and ostree fsck passes', async () => {
    const { repo: srv, served } = await serveRepo(['--protect', 'os', '--protect-keys', listed.publicFile]);
    try {
      const { repo, tree } = await clientRepo(served.url);
      const c1 = await commit(repo, tree, 'os/stable');
      await signEd25519(repo, c1, listed);
      const r = await push(repo, 'os/stable');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(await serverRef(srv, 'os/stable')).toBe(c1);
      // The detached metadata travelled with the commit, byte for byte.
      expect(await fs.readFile(objectFile(srv, c1, 'commitmeta'))).toEqual(await fs.readFile(objectFile(repo, c1, 'commitmeta')));
      if (OSTREE) await ostreeOk(['fsck', '--repo', srv]);
    } finally {
      await served.stop();
    }
  });

  it('refuses an unsigned commit on a protected ref: exit 10, SIGNATURE_MISSING naming commit and ref, nothing moved or kept', async () => {
    const { repo: srv, served } = await serveRepo(['--protect', 'os/', '--protect-keys', listed.publicFile]);
    try {
      const { repo, tree } = await clientRepo(served.url);
      const c1 = await commit(repo, tree, 'os/stable');
      const r = await push(repo, 'os/stable');
      expect(r.code, r.stderr).toBe(10);
      const e = errorOf(r);
      expect(e.code).toBe('SIGNATURE_MISSING');
      expect(e.exitCode).toBe(10);
      expect(e.message).toContain(c1);
      expect(e.message).toContain('os/stable');
      expect(await serverRef(srv, 'os/stable')).toBeNull();
      expect(await hasObject(srv, c1, 'commit')).toBe(false);
      // Human output says the same on one line.
      const human = await osgit(['push', '--repo', repo, 'origin', 'os/stable'], { env: { OSGIT_TOKEN: token } });
      expect(human.code).toBe(10);
      expect(human.stderr).toMatch(/^osgit: error: .*protected ref os\/stable/m);
    } finally {
      await served.stop();
    }
  });

  it('refuses a commit signed by a key that is not listed (SIGNATURE_INVALID, exit 10), then accepts it signed by a listed one', async () => {
    const { repo: srv, served } = await serveRepo(['--protect', 'os', '--protect-keys', listed.publicFile]);
    try {
      const { repo, tree } = await clientRepo(served.url);
      const c1 = await commit(repo, tree, 'os/stable');
      await signEd25519(repo, c1, unlisted);
      const r = await push(repo, 'os/stable');
      expect(r.code, r.stderr).toBe(10);
      expect(errorOf(r).code).toBe('SIGNATURE_INVALID');
      expect(errorOf(r).message).toContain(c1);
      expect(await serverRef(srv, 'os/stable')).toBeNull();
      // Nothing was kept, so the commit re-signed by the right key goes through on the next push.
      expect(await hasObject(srv, c1, 'commitmeta')).toBe(false);
      await signEd25519(repo, c1, listed);
      const again = await push(repo, 'os/stable');
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(await serverRef(srv, 'os/stable')).toBe(c1);
    } finally {
      await served.stop();
    }
  });

  it('leaves refs outside the prefixes alone: an unsigned push to dev/x and to osx/y is accepted', async () => {
    const { repo: srv, served } = await serveRepo(['--protect', 'os', '--protect-keys', listed.publicFile]);
    try {
      const { repo, tree } = await clientRepo(served.url);
      const c1 = await commit(repo, tree, 'dev/x');
      const c2 = await commit(repo, tree, 'osx/y');
      const r = await push(repo, 'dev/x', 'osx/y');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(await serverRef(srv, 'dev/x')).toBe(c1);
      expect(await serverRef(srv, 'osx/y')).toBe(c2);
    } finally {
      await served.stop();
    }
  });

  it('requires every new commit to be signed, not only the tip: two new commits with only the tip signed are refused naming the older one', async () => {
    const { repo: srv, served } = await serveRepo(['--protect', 'os', '--protect-keys', listed.publicFile]);
    try {
      const { repo, tree } = await clientRepo(served.url);
      const c1 = await commit(repo, tree, 'os/stable');
      await signEd25519(repo, c1, listed);
      expect((await push(repo, 'os/stable')).code).toBe(0);
      // Two more: c2 unsigned, c3 (the tip) signed. c1 is on the server already and not checked again.
      const c2 = await commit(repo, tree, 'os/stable');
      const c3 = await commit(repo, tree, 'os/stable');
      await signEd25519(repo, c3, listed);
      const r = await push(repo, 'os/stable');
      expect(r.code, r.stderr).toBe(10);
      expect(errorOf(r).code).toBe('SIGNATURE_MISSING');
      expect(errorOf(r).message).toContain(c2);
      expect(errorOf(r).message).toContain(c3);
      expect(await serverRef(srv, 'os/stable')).toBe(c1);
      await signEd25519(repo, c2, listed);
      const again = await push(repo, 'os/stable');
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(await serverRef(srv, 'os/stable')).toBe(c3);
    } finally {
      await served.stop();
    }
  });

  it('checks commits already on the server that the protected ref never held: an unsigned commit pushed to dev first cannot then be pushed to os/stable', async () => {
    const { repo: srv, served } = await serveRepo(['--protect', 'os', '--protect-keys', listed.publicFile]);
    try {
      const { repo, tree } = await clientRepo(served.url);
      const c1 = await commit(repo, tree, 'dev/x');
      expect((await push(repo, 'dev/x')).code).toBe(0);
      const r = await push(repo, 'dev/x:os/stable');
      expect(r.code, r.stderr).toBe(10);
      expect(errorOf(r).message).toContain(c1);
      expect(await serverRef(srv, 'os/stable')).toBeNull();
    } finally {
      await served.stop();
    }
  });

  it('promotes a commit the server has, signed by a key not listed, once the push adds a listed signature; a push that drops a signature changes nothing', async () => {
    const { repo: srv, served } = await serveRepo(['--protect', 'os', '--protect-keys', listed.publicFile]);
    try {
      const { repo, tree } = await clientRepo(served.url);
      const c1 = await commit(repo, tree, 'dev/ci');
      await signEd25519(repo, c1, unlisted); // the CI key
      expect((await push(repo, 'dev/ci')).code).toBe(0);
      const ciMeta = await fs.readFile(objectFile(srv, c1, 'commitmeta'));

      // Re-signed without the CI signature: the server keeps its copy, so the check still fails.
      await signEd25519(repo, c1, listed);
      const stripped = await push(repo, 'dev/ci:os/stable');
      expect(stripped.code, stripped.stderr).toBe(10);
      expect(errorOf(stripped).code).toBe('SIGNATURE_INVALID');
      expect(await fs.readFile(objectFile(srv, c1, 'commitmeta'))).toEqual(ciMeta);
      expect(await serverRef(srv, 'os/stable')).toBeNull();

      // The CI signature kept and the release signature added: the server takes it, and the ref moves.
      await fs.writeFile(objectFile(repo, c1, 'commitmeta'), ciMeta);
      await signEd25519(repo, c1, listed, { append: true });
      const promoted = await push(repo, 'dev/ci:os/stable');
      expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
      expect(await serverRef(srv, 'os/stable')).toBe(c1);
      expect(await fs.readFile(objectFile(srv, c1, 'commitmeta'))).toEqual(await fs.readFile(objectFile(repo, c1, 'commitmeta')));
      if (OSTREE) await ostreeOk(['fsck', '--repo', srv]);
    } finally {
      await served.stop();
    }
  });

  it.skipIf(!OSTREE || !GPG)('accepts a commit signed by `ostree gpg-sign` with a key of the --protect-gpg-keys keyring, refuses one signed by another OpenPGP key', async () => {
    const home = await fs.mkdtemp('/tmp/osgit-gpg-');
    try {
      const gpg = (args: string[]) => run(GPG!, ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args]);
      for (const who of ['release', 'other']) {
        const g = await gpg(['--quick-gen-key', `${who} <${who}@example.org>`, 'ed25519', 'sign', 'never']);
        expect(g.code, g.stderr).toBe(0);
      }
      const keyring = join(tmp.make('gpg'), 'release.gpg');
      const exp = await gpg(['--output', keyring, '--export', 'release@example.org']);
      expect(exp.code, exp.stderr).toBe(0);
      const { repo: srv, served } = await serveRepo(['--protect', 'os', '--protect-gpg-keys', keyring]);
      try {
        const { repo, tree } = await clientRepo(served.url);
        const c1 = await commit(repo, tree, 'os/stable');
        await ostreeOk(['gpg-sign', `--repo=${repo}`, `--gpg-homedir=${home}`, c1, 'other@example.org']);
        const bad = await push(repo, 'os/stable');
        expect(bad.code, bad.stderr).toBe(10);
        expect(errorOf(bad).code).toBe('SIGNATURE_INVALID');
        await fs.rm(objectFile(repo, c1, 'commitmeta'));
        await ostreeOk(['gpg-sign', `--repo=${repo}`, `--gpg-homedir=${home}`, c1, 'release@example.org']);
        const good = await push(repo, 'os/stable');
        expect(good.code, good.stdout + good.stderr).toBe(0);
        expect(await serverRef(srv, 'os/stable')).toBe(c1);
      } finally {
        await served.stop();
      }
    } finally {
      await run('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
      await fs.rm(home, { recursive: true, force: true });
    }
  });

  it('refuses to start with --protect but no keys, or keys but no --protect (exit 2), and with a bad key file (exit 2)', async () => {
    const repo = join(tmp.make('server'), 'srv');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    const noKeys = await osgit(['serve', '--repo', repo, '--port', '0', '--protect', 'os']);
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toContain('--protect-keys');
    const noPrefix = await osgit(['serve', '--repo', repo, '--port', '0', '--protect-keys', listed.publicFile]);
    expect(noPrefix.code).toBe(2);
    const badFile = join(tmp.make('bad'), 'bad.pub');
    await fs.writeFile(badFile, 'not a key\n');
    const bad = await osgit(['serve', '--repo', repo, '--port', '0', '--protect', 'os', '--protect-keys', badFile, '--json']);
    expect(bad.code).toBe(2);
    expect((JSON.parse(bad.stdout) as { error: { code: string } }).error.code).toBe('KEY_INVALID');
  });
});
