import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ProtocolError } from '../errors.js';

/**
 * Ed25519 keys for push tokens. Written as PEM (PKCS#8 secret key, SPKI public key), which
 * openssl reads too; read as PEM or in OSTree's `ostree.sign.ed25519` text form (base64 of the
 * 64-byte secret key seed‖public, or of the 32-byte public key), so the keys `ostree` or
 * `osgit keygen` make for signing commits can mint and verify tokens as well.
 */
export interface TokenKeyPair {
  secretPem: string;
  publicPem: string;
}

export function generateTokenKeys(): TokenKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    secretPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The secret key from a key file's text (PEM, or OSTree's base64 seed‖public). TOKEN_INVALID if it is neither. */
export function parseSecretKey(text: string, source = 'secret key'): KeyObject {
  const key = parseKey(text, source, 'secret');
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new ProtocolError('TOKEN_INVALID', `${source} is not an ed25519 secret key`, { source });
  }
  return key;
}

/** The public key from a key file's text (PEM, or OSTree's base64 of 32 bytes); a secret key gives its public half. */
export function parsePublicKey(text: string, source = 'public key'): KeyObject {
  const key = parseKey(text, source, 'public');
  if (key.asymmetricKeyType !== 'ed25519') throw new ProtocolError('TOKEN_INVALID', `${source} is not an ed25519 key`, { source });
  return key.type === 'private' ? createPublicKey(key) : key;
}

function parseKey(text: string, source: string, want: 'secret' | 'public'): KeyObject {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('-----BEGIN')) {
      return /PRIVATE KEY/.test(trimmed) ? createPrivateKey(trimmed) : createPublicKey(trimmed);
    }
    // OSTree's key files: one base64 key per line; the first one is taken.
    const line = trimmed.split('\n')[0]!.trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(line)) throw new Error('not base64');
    const raw = Buffer.from(line, 'base64');
    if (raw.length === 64) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', d: raw.subarray(0, 32).toString('base64url'), x: raw.subarray(32).toString('base64url') };
      return createPrivateKey({ key: jwk, format: 'jwk' });
    }
    if (raw.length === 32 && want === 'public') {
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    }
    throw new Error(`${raw.length} bytes of key`);
  } catch (cause) {
    throw new ProtocolError(
      'TOKEN_INVALID',
      `${source} is not an ed25519 ${want} key (PEM, or OSTree's base64 form)`,
      { source },
      { cause },
    );
  }
}
