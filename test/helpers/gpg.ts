/**
 * Throwaway GnuPG homes for tests that sign or verify with the real gpg (and ostree, which runs
 * gpg through gpgme): key generation, export of a public keyring (binary, as
 * `<remote>.trustedkeys.gpg` and `ostree remote add --gpg-import` take it) and of an armored
 * unprotected secret key (what `osgit sign --gpg-key` reads). Call `close()` from afterAll: it
 * kills the home's gpg-agent before the folder goes.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { requireTool, run, type RunResult } from './tools.js';

export const GPG: string | null = requireTool('gpg');

export interface GpgKey {
  fingerprint: string;
  /** the 16-hex-digit long key id (last 16 digits of the fingerprint) */
  keyId: string;
  userId: string;
}

export interface GnupgHome {
  /** the GNUPGHOME folder (short, under /tmp: gpg-agent's socket path is limited to ~100 characters) */
  home: string;
  env: Record<string, string>;
  /** `gpg --homedir HOME --batch ARGS` (never throws; see result.code) */
  gpg(args: readonly string[], input?: string | Buffer): Promise<RunResult>;
  /** A new unprotected signing key (ed25519 by default; 'rsa2048' etc. also work). */
  generateKey(name: string, email: string, algo?: string): Promise<GpgKey>;
  /** Binary public keyring of the given keys (all if none) written to `file`; returns `file`. */
  exportPublicKeyring(file: string, fingerprints?: string[]): Promise<string>;
  /** Armored unprotected secret key written to `file` (mode 0600); returns `file`. */
  exportSecretKey(file: string, fingerprint: string): Promise<string>;
  /** Kills the agent and removes the home. */
  close(): Promise<void>;
}

/** A fresh GNUPGHOME; throws when gpg is missing (callers skip with `describe.skipIf(!GPG)`). */
export function gnupgHome(): GnupgHome {
  if (!GPG) throw new Error('gpg is not installed');
  const gpg = GPG;
  const home = mkdtempSync('/tmp/gpg-');
  writeFileSync(join(home, 'gpg-agent.conf'), 'allow-loopback-pinentry\n');
  const env = { GNUPGHOME: home };
  const call = (args: readonly string[], input?: string | Buffer) =>
    run(gpg, ['--homedir', home, '--batch', '--no-tty', ...args], { env, ...(input !== undefined ? { input } : {}) });
  const ok = async (args: readonly string[]) => {
    const r = await call(args);
    if (r.code !== 0) throw new Error(`gpg ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  };
  return {
    home,
    env,
    gpg: call,
    async generateKey(name, email, algo = 'ed25519') {
      const userId = `${name} <${email}>`;
      await ok(['--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', userId, algo, 'sign', 'never']);
      const r = await ok(['--with-colons', '--list-keys', `=${userId}`]);
      const fpr = r.stdout.split('\n').find((l) => l.startsWith('fpr:'))?.split(':')[9];
      if (!fpr) throw new Error(`no fingerprint for ${userId} in:\n${r.stdout}`);
      return { fingerprint: fpr, keyId: fpr.slice(-16), userId };
    },
    async exportPublicKeyring(file, fingerprints = []) {
      await ok(['--yes', '--output', file, '--export', ...fingerprints]);
      return file;
    },
    async exportSecretKey(file, fingerprint) {
      const r = await ok(['--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys', fingerprint]);
      writeFileSync(file, r.stdout, { mode: 0o600 });
      return file;
    },
    async close() {
      if (existsSync('/usr/bin/gpgconf')) await run('/usr/bin/gpgconf', ['--kill', 'gpg-agent'], { env });
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** `gpg --verify SIG DATA` in `home` against its keyring: true when gpg reports a good signature. */
export async function gpgVerifyDetached(home: GnupgHome, sigFile: string, dataFile: string): Promise<boolean> {
  const r = await home.gpg(['--status-fd', '1', '--verify', sigFile, dataFile]);
  return r.code === 0 && /\[GNUPG:\] GOODSIG /.test(r.stdout);
}
