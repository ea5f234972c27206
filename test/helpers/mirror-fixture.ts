/**
 * Fixtures of the mirror tests: an origin made and GPG-signed by the real `ostree` (commits by
 * `ostree commit --gpg-sign`, a signature added later by `ostree gpg-sign`, static deltas by
 * `ostree static-delta generate`, a signed summary by `ostree summary -u --gpg-sign`), a throwaway
 * GNUPGHOME (a short path: gpg-agent's socket must fit in ~100 characters), and the byte-level
 * comparisons that say a mirror is verbatim.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ostreeCommit, ostreeInit, ostreeOk } from './ostree.js';
import { run, runOk } from './tools.js';

export interface GpgHome {
  home: string;
  keyId: string;
  /** the public key, binary (`gpg --export`): what `ostree remote add --gpg-import` takes */
  publicKeyFile: string;
  cleanup(): Promise<void>;
}

/** A new GNUPGHOME under /tmp with one unprotected ed25519 signing key. */
export async function makeGpgHome(): Promise<GpgHome> {
  const home = mkdtempSync('/tmp/og-');
  chmodSync(home, 0o700);
  const env = { GNUPGHOME: home };
  await runOk('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', 'osgit mirror test <mirror@example.com>', 'ed25519', 'sign', 'never'], { env });
  const listing = await runOk('gpg', ['--batch', '--list-keys', '--with-colons'], { env });
  const keyId = /^fpr:+([0-9A-F]{40}):/m.exec(listing.stdout)![1]!;
  const publicKeyFile = join(home, 'public.gpg');
  const exported = await runOk('gpg', ['--batch', '--export', '--output', publicKeyFile, keyId], { env });
  void exported;
  return {
    home, keyId, publicKeyFile,
    async cleanup() {
      await run('gpgconf', ['--kill', 'gpg-agent'], { env });
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Writes `files` (relative path -> text) under `dir` (created), mode 0644 files in 0755 folders. */
export function writeTree(dir: string, files: Readonly<Record<string, string>>): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    chmodSync(path, 0o644);
  }
  return dir;
}

export interface Origin {
  path: string;
  /** os/stable: c1 then c2 (c2 has a scratch delta and a c1->c2 delta) */
  c1: string;
  c2: string;
  /** os/dev */
  dev: string;
}

/**
 * An archive repository written and signed by ostree: os/stable c1 -> c2 (both signed at commit
 * time), os/dev (one commit), static deltas c1->c2 and scratch->c2 (part files) and scratch->dev
 * (its part inline in the superblock), delta indexes, a summary signed with the key.
 */
export async function makeSignedOrigin(dir: string, gpg: GpgHome): Promise<Origin> {
  const path = join(dir, 'origin');
  const sign = [`--gpg-sign=${gpg.keyId}`, `--gpg-homedir=${gpg.home}`];
  await ostreeInit(path, 'archive');
  const tree = join(dir, 'tree');
  const big = 'x'.repeat(20000);
  writeTree(tree, { 'etc/os-release': 'NAME=mirror\nVERSION=1\n', 'usr/bin/tool': `#!/bin/sh\necho 1\n${big}`, 'usr/share/doc/a.txt': 'a\n' });
  const c1 = await ostreeCommit(path, ['-b', 'os/stable', '--timestamp=@1700000000', '-s', 'one', ...sign, tree]);
  writeTree(tree, { 'etc/os-release': 'NAME=mirror\nVERSION=2\n', 'usr/bin/tool': `#!/bin/sh\necho 2\n${big}`, 'usr/share/doc/b.txt': 'b\n' });
  const c2 = await ostreeCommit(path, ['-b', 'os/stable', '--timestamp=@1700000100', '-s', 'two', ...sign, tree]);
  const devTree = writeTree(join(dir, 'dev-tree'), { 'README': 'dev\n' });
  const dev = await ostreeCommit(path, ['-b', 'os/dev', '--timestamp=@1700000200', '-s', 'dev', ...sign, devTree]);
  await ostreeOk(['static-delta', 'generate', `--repo=${path}`, `--from=${c1}`, `--to=${c2}`]);
  await ostreeOk(['static-delta', 'generate', `--repo=${path}`, '--empty', `--to=${c2}`]);
  await ostreeOk(['static-delta', 'generate', `--repo=${path}`, '--inline', '--empty', `--to=${dev}`]);
  await signedSummary(path, gpg);
  return { path, c1, c2, dev };
}

/** `ostree summary -u` signed with the key. */
export async function signedSummary(repo: string, gpg: GpgHome): Promise<void> {
  await ostreeOk(['summary', `--repo=${repo}`, '-u', `--gpg-sign=${gpg.keyId}`, `--gpg-homedir=${gpg.home}`]);
}

/** Every file under `rel` of a repository (paths relative to the repository), sorted. */
export function filesUnder(repo: string, rel: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (name.startsWith('.')) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(repo, p));
    }
  };
  walk(join(repo, rel));
  return out.sort();
}

/** Paths (under objects/, deltas/, delta-indexes/, refs/heads/, and summary, summary.sig) whose bytes differ or that only one side has. */
export function differences(origin: string, mirror: string, opts: { only?: readonly string[] } = {}): string[] {
  const areas = opts.only ?? ['objects', 'deltas', 'delta-indexes', 'refs/heads', 'summary', 'summary.sig'];
  const out: string[] = [];
  for (const area of areas) {
    const isFile = area === 'summary' || area === 'summary.sig';
    const a = isFile ? (existsSync(join(origin, area)) ? [area] : []) : filesUnder(origin, area);
    const b = isFile ? (existsSync(join(mirror, area)) ? [area] : []) : filesUnder(mirror, area);
    for (const p of new Set([...a, ...b])) {
      if (!existsSync(join(origin, p))) out.push(`only in mirror: ${p}`);
      else if (!existsSync(join(mirror, p))) out.push(`only in origin: ${p}`);
      else if (!readFileSync(join(origin, p)).equals(readFileSync(join(mirror, p)))) out.push(`differs: ${p}`);
    }
  }
  return out;
}
