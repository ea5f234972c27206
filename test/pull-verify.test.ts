// Verifying pulls (issue 8, "Signing and trust"): a remote with ed25519 keys refuses, over the
// dumb AND the smart protocol of `osgit serve`, each of: a commit signed by another key, an
// unsigned commit, a summary whose summary.sig no longer matches, a summary signed by another
// key, a commit bound to another ref, an older signed commit replayed under the ref, an expired
// summary and one older than the remote's maximum age. Each refusal exits 10 with its code and
// writes nothing: no ref, no commit object, no partial marker, nothing left in the staging area.
// Signed with osgit's own `keygen`, `commit --sign-key` and `summary -u --key` (the verify side
// is checked against the real ostree in pull-verify-ostree.test.ts).
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repo, loadSigningKey, signSummary, updateSummary } from '@osgit/store';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk } from './helpers/tools.js';
import { osgitCommit, osgitInit } from './helpers/osgit.js';
import { objectPath } from './helpers/ostree.js';

const tmp = tempDirs('pull-verify');
const NOW = Math.floor(Date.now() / 1000);
const T1 = NOW - 7200;
const T2 = NOW - 3600;

let root: string;
let keys: string;
let goodPub: string;
let served: Served;
const commits: Record<string, string> = {};

function tree(name: string, content: string): string {
  const dir = join(tmp.make('tree'), name);
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'os-release'), `NAME=${content}\n`);
  writeFileSync(join(dir, 'README'), `${content}\n`.repeat(50));
  return dir;
}

async function keygen(name: string): Promise<string> {
  const prefix = join(keys, name);
  await osgitOk(['keygen', '--out', prefix]);
  return readFileSync(`${prefix}.pub`, 'utf8').trim();
}

/** A served repository under the root: `osgit init`, then `build`. */
async function serverRepo(name: string, build: (repo: string) => Promise<void>): Promise<void> {
  const repo = join(root, name);
  await osgitInit(repo, 'archive');
  await build(repo);
}

async function commit(repo: string, branch: string, ts: number, content: string, sign?: string, extra: string[] = []): Promise<string> {
  return osgitCommit(repo, ['-b', branch, '-s', content, '--timestamp', `@${ts}`, ...(sign ? ['--sign-key', join(keys, `${sign}.secret`)] : []), ...extra, tree(content, content)]);
}

async function signedSummary(repo: string, key: string, opts: { lastModified?: number; expires?: number } = {}): Promise<void> {
  const r = await Repo.open(repo);
  await updateSummary(r, {
    ...(opts.lastModified !== undefined ? { lastModified: BigInt(opts.lastModified) } : {}),
    ...(opts.expires !== undefined ? { expires: BigInt(opts.expires) } : {}),
  });
  await signSummary(r, [await loadSigningKey(join(keys, `${key}.secret`), 'ed25519')]);
}

type Protocol = 'dumb' | 'smart';

/** A fresh client with remote origin at `name` on the server, verifying with the good key. */
async function client(name: string, addFlags: string[] = ['--sign-verify', 'ed25519', '--verification-key', goodPub, '--sign-verify-summary'], mode = 'archive'): Promise<string> {
  const repo = join(tmp.make('client'), 'repo');
  await osgitInit(repo, mode as 'archive');
  await osgitOk(['remote', 'add', '--repo', repo, '--no-gpg-verify', ...addFlags, 'origin', `${served.url}${name}/`]);
  return repo;
}

const pullArgs = (repo: string, protocol: Protocol, extra: string[] = []) => ['pull', '--repo', repo, '--protocol', protocol, '--json', 'origin', 'os/main', ...extra];

/** A commit object's path: the same in every repository mode. */
function objectFile(repo: string, checksum: string, type: 'commit'): string {
  return objectPath(repo, checksum, type, 'archive');
}

/** Nothing of a refused pull is left: no remote ref, no object at all, no marker, an empty staging area. */
function expectNothingWritten(repo: string, commit: string | null): void {
  expect(existsSync(join(repo, 'refs', 'remotes', 'origin', 'os', 'main'))).toBe(false);
  if (commit) {
    expect(existsSync(objectFile(repo, commit, 'commit'))).toBe(false);
    expect(existsSync(join(repo, 'state', `${commit}.commitpartial`))).toBe(false);
  }
  const objects = readdirSync(join(repo, 'objects')).flatMap((d) => readdirSync(join(repo, 'objects', d)));
  expect(objects).toEqual([]);
  const staging = readdirSync(join(repo, 'tmp')).filter((n) => n.startsWith('staging-'));
  expect(staging).toEqual([]);
}

async function refused(repo: string, protocol: Protocol, code: string, extra: string[] = []): Promise<string> {
  const r = await osgit(pullArgs(repo, protocol, extra));
  expect(r.code, r.stderr + r.stdout).toBe(10);
  const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  expect(doc.error.code).toBe(code);
  return doc.error.message;
}

beforeAll(async () => {
  root = tmp.make('root');
  keys = tmp.make('keys');
  goodPub = await keygen('good');
  await keygen('evil');
  await serverRepo('good', async (repo) => {
    commits.c1 = await commit(repo, 'os/main', T1, 'one', 'good');
    commits.c2 = await commit(repo, 'os/main', T2, 'two', 'good');
    await signedSummary(repo, 'good');
  });
  // An older, validly signed summary of the same repository: its ref is c1 (a replay).
  await serverRepo('old', async (repo) => {
    cpSync(join(root, 'good', 'objects'), join(repo, 'objects'), { recursive: true });
    mkdirSync(join(repo, 'refs', 'heads', 'os'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'heads', 'os', 'main'), `${commits.c1}\n`);
    await signedSummary(repo, 'good');
  });
  await serverRepo('evil', async (repo) => {
    commits.evil = await commit(repo, 'os/main', T2, 'evil', 'evil');
    await signedSummary(repo, 'good'); // even a summary the good key signed: the commit must verify too
  });
  await serverRepo('unsigned', async (repo) => {
    commits.unsigned = await commit(repo, 'os/main', T2, 'unsigned');
    await signedSummary(repo, 'good');
  });
  await serverRepo('evil-summary', async (repo) => {
    await commit(repo, 'os/main', T2, 'two', 'good');
    await signedSummary(repo, 'evil');
  });
  // The summary changed after it was signed (ref moved to another commit): summary.sig no longer matches.
  await serverRepo('tampered-summary', async (repo) => {
    await commit(repo, 'os/main', T1, 'one', 'good');
    await signedSummary(repo, 'good');
    const sig = readFileSync(join(repo, 'summary.sig'));
    commits.tamper = await commit(repo, 'os/main', T2, 'tampered', 'evil');
    await updateSummary(await Repo.open(repo));
    writeFileSync(join(repo, 'summary.sig'), sig);
  });
  // A commit signed for os/other (ostree.ref-binding), published under os/main.
  await serverRepo('bound', async (repo) => {
    commits.bound = await commit(repo, 'os/other', T2, 'bound', 'good');
    mkdirSync(join(repo, 'refs', 'heads', 'os'), { recursive: true });
    copyFileSync(join(repo, 'refs', 'heads', 'os', 'other'), join(repo, 'refs', 'heads', 'os', 'main'));
    await signedSummary(repo, 'good');
  });
  await serverRepo('expired', async (repo) => {
    commits.expired = await commit(repo, 'os/main', T2, 'two', 'good');
    await signedSummary(repo, 'good', { lastModified: NOW - 7200, expires: NOW - 3600 });
  });
  await serverRepo('stale', async (repo) => {
    commits.stale = await commit(repo, 'os/main', T2, 'two', 'good');
    await signedSummary(repo, 'good', { lastModified: NOW - 3 * 86400 - 600 });
  });
  served = await startServe({ root });
}, 120_000);

afterAll(async () => {
  await served?.stop();
  await tmp.cleanup();
});

describe.each<Protocol>(['dumb', 'smart'])('verifying pull over the %s protocol', (protocol) => {
  it('pulls commits and summary signed with the remote key, and reports what it verified', async () => {
    const repo = await client('good');
    const r = await osgitOk(pullArgs(repo, protocol, ['--depth', '1']));
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ protocol, refs: [{ ref: 'os/main', commit: commits.c2, old: null }], warnings: [] });
    // c2 and its parent c1: every fetched commit is verified, and the summary.
    expect(doc.verified).toEqual({ commits: 2, summary: true, keys: [goodPub] });
    expect(r.stderr).not.toContain('warning');
    expect((await osgitOk(['fsck', '--repo', repo])).code).toBe(0);
  });

  it('refuses a commit signed by another key (SIGNATURE_INVALID)', async () => {
    const repo = await client('evil');
    expect(await refused(repo, protocol, 'SIGNATURE_INVALID')).toContain(commits.evil!);
    expectNothingWritten(repo, commits.evil!);
  });

  it('refuses an unsigned commit on a verifying remote (SIGNATURE_MISSING)', async () => {
    const repo = await client('unsigned');
    expect(await refused(repo, protocol, 'SIGNATURE_MISSING')).toContain(commits.unsigned!);
    expectNothingWritten(repo, commits.unsigned!);
  });

  it('refuses the good commits when the remote trusts another key (wrong key)', async () => {
    const evilPub = readFileSync(join(keys, 'evil.pub'), 'utf8').trim();
    const repo = await client('good', ['--sign-verify', 'ed25519', '--verification-key', evilPub]);
    await refused(repo, protocol, 'SIGNATURE_INVALID');
    expectNothingWritten(repo, commits.c2!);
  });

  it('refuses a tampered summary whose summary.sig no longer matches, before any ref is read from it', async () => {
    const repo = await client('tampered-summary');
    expect(await refused(repo, protocol, 'SIGNATURE_INVALID')).toContain('summary');
    expectNothingWritten(repo, commits.tamper!);
  });

  it('refuses a summary signed by another key', async () => {
    const repo = await client('evil-summary');
    await refused(repo, protocol, 'SIGNATURE_INVALID');
    expectNothingWritten(repo, null);
  });

  it('refuses a commit bound to another ref (REF_BINDING)', async () => {
    const repo = await client('bound');
    const message = await refused(repo, protocol, 'REF_BINDING');
    expect(message).toContain('os/other');
    expectNothingWritten(repo, commits.bound!);
  });

  it('refuses an expired summary (SUMMARY_STALE)', async () => {
    const repo = await client('expired');
    expect(await refused(repo, protocol, 'SUMMARY_STALE')).toMatch(/expired 1 hour ago/);
    expectNothingWritten(repo, commits.expired!);
  });

  it('refuses a summary older than the remote allows, saying how old (SUMMARY_STALE)', async () => {
    const repo = await client('stale', ['--sign-verify', 'ed25519', '--verification-key', goodPub, '--sign-verify-summary', '--max-summary-age', '1d']);
    expect(await refused(repo, protocol, 'SUMMARY_STALE')).toMatch(/^summary is 3 days old, the remote allows 1 day/);
    expectNothingWritten(repo, commits.stale!);
    // Without the maximum age the same summary is accepted.
    const lax = await client('stale');
    expect(JSON.parse((await osgitOk(pullArgs(lax, protocol))).stdout).verified).toMatchObject({ commits: 1, summary: true });
  });

  it('refuses an older signed commit replayed under the ref (DOWNGRADE), unless --allow-downgrade', async () => {
    const repo = await client('good');
    await osgitOk(pullArgs(repo, protocol));
    await osgitOk(['remote', 'delete', '--repo', repo, 'origin']);
    await osgitOk(['remote', 'add', '--repo', repo, '--no-gpg-verify', '--sign-verify', 'ed25519', '--verification-key', goodPub, '--sign-verify-summary', 'origin', `${served.url}old/`]);
    const message = await refused(repo, protocol, 'DOWNGRADE');
    expect(message).toContain('--allow-downgrade');
    expect(readFileSync(join(repo, 'refs', 'remotes', 'origin', 'os', 'main'), 'utf8').trim()).toBe(commits.c2);
    expect(existsSync(objectFile(repo, commits.c1!, 'commit'))).toBe(false);
    const ok = JSON.parse((await osgitOk(pullArgs(repo, protocol, ['--allow-downgrade']))).stdout);
    expect(ok.refs).toEqual([expect.objectContaining({ commit: commits.c1, old: commits.c2 })]);
  });

  it('pulls from a remote without keys, saying on each pull that nothing was verified', async () => {
    const repo = await client('unsigned', []);
    for (let i = 0; i < 2; i++) {
      const r = await osgit(['pull', '--repo', repo, '--protocol', protocol, 'origin', 'os/main']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('osgit: warning: nothing was verified: remote origin has no keys');
    }
  });
});

describe('remote trust settings at pull time', () => {
  it('refuses a remote that asks for ed25519 verification without a key (REMOTE_INVALID), before any request', async () => {
    const repo = await client('good', []);
    writeFileSync(join(repo, 'config'), `${readFileSync(join(repo, 'config'), 'utf8')}sign-verify=true\n`);
    const before = served.logs().length;
    const r = await osgit(pullArgs(repo, 'dumb'));
    expect(JSON.parse(r.stdout).error.code).toBe('REMOTE_INVALID');
    expect(served.logs().length).toBe(before);
  });
});
