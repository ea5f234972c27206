import { StoreError } from '../errors.js';
import { ED25519_SECRET_BYTES, ed25519PublicFromSeed } from './ed25519.js';
import { loadOpenPgp } from './openpgp-module.js';
import { readKeyFile } from './trusted-keys.js';

/** A key to sign with: ed25519 (libsodium's 64-byte secret = seed ‖ public) or an OpenPGP secret key (opaque). */
export type SigningKey =
  | { type: 'ed25519'; secret: Buffer; publicKey: Buffer }
  | { type: 'gpg'; fingerprint: string; key: unknown };

/**
 * Reads a signing key. ed25519: a file whose first non-empty line is the base64 64-byte secret
 * (OSTree's format); gpg: an armored or binary unencrypted OpenPGP secret key. KEY_INVALID otherwise.
 */
export async function loadSigningKey(file: string, type: 'ed25519' | 'gpg'): Promise<SigningKey> {
  const bytes = await readKeyFile(file);
  return type === 'ed25519' ? parseEd25519SecretKey(bytes.toString('utf8'), file) : parseOpenPgpSecretKey(bytes, file);
}

/** A base64 64-byte Ed25519 secret whose public half is the one its seed derives. */
export function parseEd25519SecretKey(text: string, where: string): SigningKey & { type: 'ed25519' } {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#')) ?? '';
  const raw = /^[A-Za-z0-9+/]+={0,2}$/.test(line) ? Buffer.from(line, 'base64') : null;
  if (!raw || raw.length !== ED25519_SECRET_BYTES || raw.toString('base64') !== line) {
    throw new StoreError('KEY_INVALID', `${where} does not hold an ed25519 secret key (base64 of ${ED25519_SECRET_BYTES} bytes: seed and public key)`, { file: where });
  }
  const publicKey = ed25519PublicFromSeed(raw.subarray(0, 32));
  if (!publicKey.equals(raw.subarray(32))) {
    throw new StoreError('KEY_INVALID', `${where}: the second half of the ed25519 secret key is not the public key of its seed`, { file: where });
  }
  return { type: 'ed25519', secret: raw, publicKey };
}

async function parseOpenPgpSecretKey(bytes: Buffer, file: string): Promise<SigningKey> {
  const openpgp = await loadOpenPgp();
  const armored = bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP');
  let key;
  try {
    key = armored
      ? await openpgp.readPrivateKey({ armoredKey: bytes.toString('utf8') })
      : await openpgp.readPrivateKey({ binaryKey: new Uint8Array(bytes) });
  } catch (cause) {
    throw new StoreError('KEY_INVALID', `${file} is not an OpenPGP secret key (armored or binary): ${(cause as Error).message}`, { file }, { cause });
  }
  if (!key.isDecrypted()) {
    throw new StoreError('KEY_INVALID', `${file} is a passphrase-protected OpenPGP key; export it unprotected (gpg --export-secret-keys with an empty passphrase)`, { file });
  }
  try {
    await key.getSigningKey();
  } catch (cause) {
    throw new StoreError('KEY_INVALID', `${file} holds no usable OpenPGP signing key: ${(cause as Error).message}`, { file }, { cause });
  }
  return { type: 'gpg', fingerprint: key.getFingerprint().toUpperCase(), key };
}
