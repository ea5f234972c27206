// `osgit serve --gpg-key / --sign-key / --summary-expires`: the server signs every summary it
// publishes (after each push that moves refs, and at start-up when the summary is missing or not
// signed by its keys), and the real `ostree pull` with gpg-verify=true and gpg-verify-summary=true
// verifies both the commit osgit signed and the summary osgit serve signed; a tampered summary or
// summary.sig is refused by ostree. ed25519 signatures (which this ostree build cannot check) are
// checked with node's crypto over the bytes served.
import { promises as fs } from 'node:fs';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gvariant, loadSigningKey, Repo, signCommit, SUMMARY_TYPE } from '@osgit/store';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, OSGIT_BIN, requireTool, run, start, type RunResult } from './helpers/tools.js';
import { OSTREE, ostree, ostreeOk, ostreeRevParse } from './helpers/ostree.js';
import { startServe, type Served } from './helpers/serve.js';
import { startRepoHttpServer } from './helpers/repo-http-server.js';

const GPG = requireTool('gpg');
const tmp = tempDirs('serve-trust-summary');
let home: string;
let tokenPublic: string;
let token: string;
/** armored unprotected secret key of the release key (for osgit) */
let gpgSecret: string;
/** binary public keyring of the release key (for ostree --gpg-import) */
let gpgKeyring: string;
/** ed25519 secret key file (base64 of seed ‖ public) and the public key */
let edSecretFile: string;
let edPublic: Buffer;

async function serveRepo(extra: readonly string[]): Promise<{ repo: string; served: Served }> {
  const repo = join(tmp.make('server'), 'srv');
  await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
  const served = await startServe({ repo }, ['--token-public-key', tokenPublic, '--quiet', ...extra]);
  return { repo, served };
}

/** A client repo with one commit on os/stable, signed through the store API with the release key. */
async function signedCommit(url: string): Promise<{ repo: string; commit: string }> {
  const repo = join(tmp.make('client'), 'repo');
  await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
  await osgitOk(['remote', 'add', '--repo', repo, '--no-gpg-verify', 'origin', url]);
  const tree = tmp.make('tree');
  await fs.writeFile(join(tree, 'os-release'), 'ID=signed\n');
  const r = await osgitOk(['commit', '--repo', repo, '-b', 'os/stable', '--timestamp=@1577836800', tree]);
  const commit = r.stdout.trim().split('\n').pop()!;
  await signCommit(await Repo.open(repo), commit, [await loadSigningKey(gpgSecret, 'gpg')]);
  return { repo, commit };
}

function push(repo: string, ref: string): Promise<RunResult> {
  return osgit(['push', '--repo', repo, '--json', 'origin', ref], { env: { OSGIT_TOKEN: token } });
}

/** A fresh ostree repo with remote `srv` at `url` verifying commits and summary against the release keyring. */
async function ostreeClient(url: string): Promise<string> {
  const repo = join(tmp.make('ostree'), 'repo');
  await ostreeOk(['init', `--repo=${repo}`, '--mode=archive']);
  await ostreeOk(['remote', 'add', `--repo=${repo}`, '--set=gpg-verify=true', '--set=gpg-verify-summary=true', `--gpg-import=${gpgKeyring}`, 'srv', url]);
  return repo;
}

function summaryMeta(bytes: Buffer): Map<string, gvariant.GVariantBox> {
  const [, meta] = gvariant.deserialize(SUMMARY_TYPE, bytes) as [unknown, Array<[string, gvariant.GVariantBox]>];
  return new Map(meta);
}

beforeAll(async () => {
  const dir = tmp.make('token');
  await osgitOk(['token', 'keygen', join(dir, 'k')]);
  tokenPublic = join(dir, 'k.pub');
  const t = await osgitOk(['token', 'create', '--key', join(dir, 'k'), '--expires', '1h', '--json', '--repo', '*', '--ref', '*', '--op', 'push']);
  token = (JSON.parse(t.stdout) as { token: string }).token;

  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  edPublic = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  edSecretFile = join(tmp.make('ed'), 'release.ed25519');
  await fs.writeFile(edSecretFile, `${Buffer.concat([seed, edPublic]).toString('base64')}\n`);

  if (!GPG) return;
  // A short GNUPGHOME: gpg-agent's socket path must stay under ~100 characters.
  home = await fs.mkdtemp('/tmp/osgit-gpg-');
  const gpg = async (args: string[]) => {
    const r = await run(GPG, ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return r;
  };
  await gpg(['--quick-gen-key', 'Release <release@example.org>', 'ed25519', 'sign', 'never']);
  const keys = tmp.make('gpg');
  gpgSecret = join(keys, 'release.asc');
  gpgKeyring = join(keys, 'release.gpg');
  await fs.writeFile(gpgSecret, (await gpg(['--armor', '--export-secret-keys', 'release@example.org'])).stdout);
  await gpg(['--output', gpgKeyring, '--export', 'release@example.org']);
});
afterAll(async () => {
  if (home) {
    await run('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
    await fs.rm(home, { recursive: true, force: true });
  }
  tmp.cleanup();
});

describe.skipIf(!OSTREE || !GPG)('osgit serve --gpg-key with the real ostree as the client', () => {
  it('ostree pull (gpg-verify, gpg-verify-summary) verifies a commit osgit signed and the summary osgit serve signed after the push', async () => {
    const { repo: srv, served } = await serveRepo(['--gpg-key', gpgSecret]);
    try {
      // Signed at start-up: the empty repository had no summary.
      await fs.access(join(srv, 'summary.sig'));
      const { repo, commit } = await signedCommit(served.url);
      const r = await push(repo, 'os/stable');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).summaryUpdated).toBe(true);

      const client = await ostreeClient(served.url);
      const pulled = await ostree(['pull', `--repo=${client}`, 'srv', 'os/stable']);
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(await ostreeRevParse(client, 'srv:os/stable')).toBe(commit);
      // ostree itself says whose signature it checked.
      const show = await ostreeOk(['show', `--repo=${client}`, commit]);
      expect(show.stdout).toMatch(/Good signature from "Release <release@example.org>"/);
      // And `ostree summary --view` of the server accepts the signature by the imported key.
      const sig = await ostreeOk(['remote', 'summary', `--repo=${client}`, 'srv']);
      expect(sig.stdout).toContain('os/stable');
      expect(sig.stdout).toMatch(/Good signature/);
    } finally {
      await served.stop();
    }
  });

  it('ostree refuses a summary.sig tampered on the way, and a summary changed on the way ("BAD signature"), and verifies the same files untouched', async () => {
    const { repo: srv, served } = await serveRepo(['--gpg-key', gpgSecret]);
    try {
      const { repo } = await signedCommit(served.url);
      expect((await push(repo, 'os/stable')).code).toBe(0);
    } finally {
      await served.stop();
    }
    // The served folder behind a plain static server that alters one file (a hostile mirror).
    for (const [what, path] of [['summary.sig', '/summary.sig'], ['summary', '/summary']] as const) {
      const mirror = await startRepoHttpServer(srv, async ({ path: p, res, file }) => {
        if (p !== path) return false;
        const bytes = Buffer.from((await file())!);
        bytes[bytes.length - 20] ^= 0x01; // inside the signature packet / inside the summary metadata
        res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
        return true;
      });
      try {
        const client = await ostreeClient(mirror.url);
        const r = await ostree(['pull', `--repo=${client}`, 'srv', 'os/stable']);
        expect(r.code, `tampered ${what} accepted: ${r.stdout}`).not.toBe(0);
        expect(r.stderr).toMatch(/BAD signature|signature|GPG/i);
        expect(await fs.readdir(join(client, 'refs', 'remotes'))).toEqual([]);
      } finally {
        await mirror.stop();
      }
    }
    const honest = await startRepoHttpServer(srv);
    try {
      const client = await ostreeClient(honest.url);
      await ostreeOk(['pull', `--repo=${client}`, 'srv', 'os/stable']);
    } finally {
      await honest.stop();
    }
  });

  it('re-signs at start-up and on the next summary request when the summary.sig on disk is not by its key', async () => {
    const { repo: srv, served } = await serveRepo(['--gpg-key', gpgSecret]);
    let url = served.url;
    try {
      const { repo } = await signedCommit(served.url);
      expect((await push(repo, 'os/stable')).code).toBe(0);
      // Someone regenerates the summary behind the server's back: the signature is gone.
      await osgitOk(['summary', '--repo', srv, '-u']);
      await expect(fs.access(join(srv, 'summary.sig'))).rejects.toThrow();
      const client = await ostreeClient(url);
      await ostreeOk(['pull', `--repo=${client}`, 'srv', 'os/stable']);
    } finally {
      await served.stop();
    }
    // Garbage in summary.sig while the server is down: it is replaced at start-up.
    await fs.writeFile(join(srv, 'summary.sig'), 'not a signature');
    const again = await startServe({ repo: srv }, ['--quiet', '--gpg-key', gpgSecret]);
    try {
      url = again.url;
      expect((await fs.readFile(join(srv, 'summary.sig'))).toString()).not.toBe('not a signature');
      const client = await ostreeClient(url);
      await ostreeOk(['pull', `--repo=${client}`, 'srv', 'os/stable']);
    } finally {
      await again.stop();
    }
  });
});

describe('osgit serve --sign-key and --summary-expires', () => {
  it('signs the published summary with ed25519 (ostree.sign.ed25519 over the summary bytes) and writes ostree.summary.expires = now + duration', async () => {
    const { repo: srv, served } = await serveRepo(['--sign-key', edSecretFile, '--summary-expires', '7d']);
    try {
      const repo = join(tmp.make('client'), 'repo');
      await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
      await osgitOk(['remote', 'add', '--repo', repo, '--no-gpg-verify', 'origin', served.url]);
      const tree = tmp.make('tree');
      await fs.writeFile(join(tree, 'a'), 'a\n');
      await osgitOk(['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836800', tree]);
      const before = Math.floor(Date.now() / 1000);
      expect((await push(repo, 'main')).code).toBe(0);
      const after = Math.floor(Date.now() / 1000);

      // What the server serves, over HTTP, both files.
      const summary = Buffer.from(await (await fetch(new URL('summary', served.url))).arrayBuffer());
      const sig = Buffer.from(await (await fetch(new URL('summary.sig', served.url))).arrayBuffer());
      const meta = summaryMeta(summary);
      expect([...(gvariant.deserialize('(a(s(taya{sv}))a{sv})', summary) as [Array<[string]>])[0]].map(([n]) => n)).toEqual(['main']);
      const expires = gvariant.bswap64(meta.get('ostree.summary.expires')!.value as bigint);
      expect(Number(expires)).toBeGreaterThanOrEqual(before + 7 * 86400);
      expect(Number(expires)).toBeLessThanOrEqual(after + 7 * 86400);
      const [[key, box]] = gvariant.deserialize('a{sv}', sig) as Array<[string, gvariant.GVariantBox]>;
      expect(key).toBe('ostree.sign.ed25519');
      expect(box.type).toBe('aay');
      const [signature] = box.value as Uint8Array[];
      const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: edPublic.toString('base64url') }, format: 'jwk' });
      expect(verify(null, summary, pub, signature!)).toBe(true);
    } finally {
      await served.stop();
    }
  });

  it('with --root, signs a repository\'s summary at its first summary request, and says what it enforces on start-up', async () => {
    const root = tmp.make('root');
    const repo = join(root, 'os');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    const tree = tmp.make('tree');
    await fs.writeFile(join(tree, 'a'), 'a\n');
    await osgitOk(['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836800', tree]);
    await osgitOk(['summary', '--repo', repo, '-u']);
    const child = start(process.execPath, [OSGIT_BIN, 'serve', '--root', root, '--port', '0', '--quiet', '--sign-key', edSecretFile, '--summary-expires', '1d']);
    let out = '';
    child.child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    try {
      while (!/Summaries .*\n/.test(out)) {
        if (child.child.exitCode !== null) throw new Error(`serve exited: ${(await child.done).stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toContain(`Summaries signed by ed25519 ${edPublic.toString('base64')}, each valid for 86400 s`);
      const url = /at (http:\/\/\S+)/.exec(out)![1]!;
      await expect(fs.access(join(repo, 'summary.sig'))).rejects.toThrow();
      const sig = Buffer.from(await (await fetch(new URL('os/summary.sig', url))).arrayBuffer());
      const summary = await fs.readFile(join(repo, 'summary'));
      const [[, box]] = gvariant.deserialize('a{sv}', sig) as Array<[string, gvariant.GVariantBox]>;
      const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: edPublic.toString('base64url') }, format: 'jwk' });
      expect(verify(null, summary, pub, (box.value as Uint8Array[])[0]!)).toBe(true);
      // The summary had no expiry: it was republished with one.
      expect(summaryMeta(summary).has('ostree.summary.expires')).toBe(true);
    } finally {
      child.child.kill('SIGTERM');
      await child.done;
    }
  });

  it('refuses to start with a bad signing key or duration (exit 2)', async () => {
    const repo = join(tmp.make('server'), 'srv');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    const badKey = join(tmp.make('bad'), 'k');
    await fs.writeFile(badKey, 'nope\n');
    const r1 = await osgit(['serve', '--repo', repo, '--port', '0', '--sign-key', badKey, '--json']);
    expect(r1.code).toBe(2);
    expect((JSON.parse(r1.stdout) as { error: { code: string } }).error.code).toBe('KEY_INVALID');
    const r2 = await osgit(['serve', '--repo', repo, '--port', '0', '--sign-key', edSecretFile, '--summary-expires', 'soon']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('--summary-expires');
    // Nothing was written by a server that did not start.
    await expect(fs.access(join(repo, 'summary'))).rejects.toThrow();
  });
});
