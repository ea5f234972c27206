import { loadSigningKey, loadTrustedKeys, type SigningKey, type TrustedKeys } from '@osgit/store';
import { promises as fs } from 'node:fs';

/** What a signature was made with, as the commands print it. */
export interface SignerDescription {
  type: 'ed25519' | 'gpg';
  /** base64 public key (ed25519) or OpenPGP fingerprint */
  key: string;
}

/** The signing keys named by `--key`-style (ed25519) and `--gpg-key`-style flags; KEY_INVALID on a bad file. */
export async function loadSigningKeys(ed25519Files: readonly string[] = [], gpgFiles: readonly string[] = []): Promise<SigningKey[]> {
  const keys: SigningKey[] = [];
  for (const f of ed25519Files) keys.push(await loadSigningKey(f, 'ed25519'));
  for (const f of gpgFiles) keys.push(await loadSigningKey(f, 'gpg'));
  return keys;
}

export function describeSigner(key: SigningKey): SignerDescription {
  return key.type === 'ed25519' ? { type: 'ed25519', key: key.publicKey.toString('base64') } : { type: 'gpg', key: key.fingerprint };
}

/**
 * Trusted keys from `verify`'s flags: each `--key` is a base64 public key, or else a file of
 * them; `--keys-file` files of base64 public keys; `--gpg-keyring` binary or armored keyrings.
 */
export async function trustedKeysFromFlags(opts: { keys?: string[]; keysFiles?: string[]; gpgKeyrings?: string[] }): Promise<TrustedKeys> {
  const inline: string[] = [];
  const files = [...(opts.keysFiles ?? [])];
  for (const k of opts.keys ?? []) {
    const isFile = await fs.stat(k).then((s) => s.isFile(), () => false);
    (isFile ? files : inline).push(k);
  }
  return loadTrustedKeys({ ed25519Keys: inline, ed25519Files: files, gpgKeyrings: opts.gpgKeyrings ?? [] });
}

/** Both sets of trusted keys together. */
export function mergeTrustedKeys(a: TrustedKeys, b: TrustedKeys): TrustedKeys {
  const gpg = [...((a.gpg as unknown[] | null) ?? []), ...((b.gpg as unknown[] | null) ?? [])];
  return { ed25519: [...a.ed25519, ...b.ed25519], gpg: a.gpg === null && b.gpg === null ? null : gpg };
}
