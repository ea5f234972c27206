import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { ED25519_PUBLIC_BYTES, ed25519PublicKeyObject } from './ed25519.js';
import { loadOpenPgp } from './openpgp-module.js';

/** Keys a verification trusts. `gpg` is a list of parsed OpenPGP public keys (opaque to callers), or null. */
export interface TrustedKeys {
  ed25519: Buffer[];
  gpg: unknown | null;
}

export interface LoadTrustedKeysOptions {
  /** base64 public keys (OSTree's `verification-ed25519-key`). */
  ed25519Keys?: string[];
  /** files with one base64 public key per line (OSTree's `verification-ed25519-file`). */
  ed25519Files?: string[];
  /** files of binary (`trustedkeys.gpg`, `gpg --export`) or armored OpenPGP public keys; a folder stands for every file in it (as OSTree's `gpgkeypath`). */
  gpgKeyrings?: string[];
}

/** Parses the given keys and key files. KEY_INVALID naming the key or file on any bad input. */
export async function loadTrustedKeys(opts: LoadTrustedKeysOptions): Promise<TrustedKeys> {
  const ed25519: Buffer[] = [];
  for (const text of opts.ed25519Keys ?? []) ed25519.push(parseEd25519PublicKey(text, `ed25519 key '${text}'`));
  for (const file of opts.ed25519Files ?? []) {
    const lines = (await readKeyFile(file)).toString('utf8').split('\n');
    lines.forEach((line, i) => {
      const t = line.trim();
      // OSTree's key files allow blank lines; '#' comments are accepted as a courtesy.
      if (t === '' || t.startsWith('#')) return;
      ed25519.push(parseEd25519PublicKey(t, `line ${i + 1} of ${file}`));
    });
  }
  let gpg: unknown[] | null = null;
  if (opts.gpgKeyrings && opts.gpgKeyrings.length > 0) {
    gpg = [];
    for (const file of await expandKeyringDirs(opts.gpgKeyrings)) gpg.push(...(await readOpenPgpKeys(await readKeyFile(file), file)));
  }
  return { ed25519: dedupe(ed25519), gpg };
}

/** A base64 32-byte Ed25519 public key; KEY_INVALID naming `where` otherwise. */
export function parseEd25519PublicKey(text: string, where: string): Buffer {
  const t = text.trim();
  const raw = /^[A-Za-z0-9+/]+={0,2}$/.test(t) ? Buffer.from(t, 'base64') : null;
  if (!raw || raw.length !== ED25519_PUBLIC_BYTES || raw.toString('base64') !== t) {
    throw new StoreError('KEY_INVALID', `${where} is not an ed25519 public key (base64 of ${ED25519_PUBLIC_BYTES} bytes)`, { where });
  }
  try {
    ed25519PublicKeyObject(raw);
  } catch (cause) {
    throw new StoreError('KEY_INVALID', `${where} is not a valid ed25519 public key`, { where }, { cause });
  }
  return raw;
}

/** Public keys of a binary keyring or an armored block; KEY_INVALID when none can be read. */
export async function readOpenPgpKeys(bytes: Buffer, file: string): Promise<unknown[]> {
  const openpgp = await loadOpenPgp();
  const armored = bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP');
  try {
    const keys = armored
      ? await openpgp.readKeys({ armoredKeys: bytes.toString('utf8') })
      : await openpgp.readKeys({ binaryKeys: new Uint8Array(bytes) });
    if (keys.length === 0) throw new Error('no keys');
    // A secret key given as a keyring trusts only its public half.
    return keys.map((k) => (k.isPrivate() ? k.toPublic() : k));
  } catch (cause) {
    throw new StoreError('KEY_INVALID', `${file} is not an OpenPGP keyring (binary or armored public keys): ${(cause as Error).message}`, { file }, { cause });
  }
}

/** Each folder among `paths` replaced by the regular files in it (sorted; OSTree's gpgkeypath takes folders). */
async function expandKeyringDirs(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await fs.stat(p).catch(() => null);
    if (!st?.isDirectory()) {
      out.push(p);
      continue;
    }
    const entries = await fs.readdir(p, { withFileTypes: true });
    out.push(...entries.filter((e) => e.isFile()).map((e) => join(p, e.name)).sort());
  }
  return out;
}

export async function readKeyFile(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (cause) {
    throw new StoreError('KEY_INVALID', `cannot read key file ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { file }, { cause });
  }
}

function dedupe(keys: Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return keys.filter((k) => {
    const h = k.toString('hex');
    if (seen.has(h)) return false;
    seen.add(h);
    return true;
  });
}
