import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

// Ed25519 in libsodium's layout (reference §5.3): public key 32 bytes, secret key 64 bytes =
// 32-byte seed ‖ public key, signature 64 bytes. Node's crypto does Ed25519 natively through
// JWK key objects; these helpers are pure (no I/O).

export const ED25519_PUBLIC_BYTES = 32;
export const ED25519_SECRET_BYTES = 64;
export const ED25519_SIGNATURE_BYTES = 64;

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

// Trusted keys are few and checked once per pulled commit: their key objects are made once.
const publicKeyObjects = new Map<string, KeyObject>();

export function ed25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  const x = b64url(publicKey);
  let key = publicKeyObjects.get(x);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    if (publicKeyObjects.size > 1024) publicKeyObjects.clear();
    publicKeyObjects.set(x, key);
  }
  return key;
}

// PKCS#8 DER prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows. The key is
// built from the seed alone, so a secret whose second half lies cannot make wrong signatures.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The private key of a 64-byte libsodium secret (its seed half). */
export function ed25519PrivateKeyObject(secret: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, secret.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
}

/** The public key a seed derives (to check that a 64-byte secret's second half matches its first). */
export function ed25519PublicFromSeed(seed: Uint8Array): Buffer {
  const jwk = createPublicKey(ed25519PrivateKeyObject(seed)).export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url');
}

export function ed25519Sign(data: Uint8Array, secret: Uint8Array): Buffer {
  return sign(null, data, ed25519PrivateKeyObject(secret));
}

/** True when `signature` (64 bytes) is `publicKey`'s signature of `data`; false on any mismatch. */
export function ed25519Verify(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}
