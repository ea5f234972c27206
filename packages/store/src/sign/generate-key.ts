import { generateKeyPairSync } from 'node:crypto';
import { loadOpenPgp } from './openpgp-module.js';

export interface GeneratedKey {
  type: 'ed25519' | 'gpg';
  /** the secret key file's text: base64 64-byte secret (ed25519) or an armored unprotected secret key */
  secretText: string;
  /** the public key file's text: base64 32-byte key on one line (ed25519) or an armored public key */
  publicText: string;
  /** base64 public key (ed25519) or OpenPGP fingerprint (gpg) */
  publicKey: string;
  userId?: string;
}

/**
 * A new signing key in OSTree's formats. ed25519: libsodium's layout (secret = seed ‖ public).
 * gpg: an EdDSA (ed25519) OpenPGP key made with openpgp, unprotected, usable by gpg and ostree.
 */
export async function generateSigningKey(type: 'ed25519' | 'gpg', opts: { name?: string; email?: string } = {}): Promise<GeneratedKey> {
  if (type === 'ed25519') {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    const seed = Buffer.from(jwk.d as string, 'base64url');
    const pub = Buffer.from(jwk.x as string, 'base64url');
    const publicKey = pub.toString('base64');
    return { type, secretText: `${Buffer.concat([seed, pub]).toString('base64')}\n`, publicText: `${publicKey}\n`, publicKey };
  }
  const openpgp = await loadOpenPgp();
  const user = { name: opts.name ?? 'osgit signing key', ...(opts.email ? { email: opts.email } : {}) };
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [user], format: 'object' });
  return {
    type,
    secretText: privateKey.armor(),
    publicText: publicKey.armor(),
    publicKey: privateKey.getFingerprint().toUpperCase(),
    userId: privateKey.getUserIDs()[0] ?? '',
  };
}
