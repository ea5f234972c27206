import { gvariant, SUMMARY_TYPE, verifySignedBytes, type SigningKey, type TrustedKeys } from '@osgit/store';

/** `ostree.summary.expires` of a summary (§2.7: big-endian seconds), or null when it has none or cannot be read. */
export function summaryExpires(summary: Uint8Array): bigint | null {
  try {
    const [, meta] = gvariant.deserialize(SUMMARY_TYPE, summary) as [unknown, Array<[string, gvariant.GVariantBox]>];
    const box = meta.find(([k]) => k === 'ostree.summary.expires')?.[1];
    return box && box.type === 't' ? gvariant.bswap64(box.value as bigint) : null;
  } catch {
    return null;
  }
}

/** The public side of signing keys, to check a signature against them. */
export function trustedKeysOf(keys: readonly SigningKey[]): TrustedKeys {
  const gpg = keys.flatMap((k) => (k.type === 'gpg' ? [k.key] : []));
  // An OpenPGP private key is also a key to verify with (openpgp's PrivateKey extends PublicKey).
  return { ed25519: keys.flatMap((k) => (k.type === 'ed25519' ? [k.publicKey] : [])), gpg: gpg.length > 0 ? gpg : null };
}

/**
 * True when `sig` (the bytes of `summary.sig`, or null) holds a valid signature over `summary`
 * by every one of `keys`: a client may trust any one of them, so each must have signed.
 */
export async function summarySignedByAll(summary: Buffer, sig: Buffer | null, keys: readonly SigningKey[]): Promise<boolean> {
  if (!sig) return false;
  const report = await verifySignedBytes(summary, sig, trustedKeysOf(keys));
  const valid = new Set(report.checks.filter((c) => c.valid).map((c) => c.key.toUpperCase()));
  return keys.every((k) => valid.has(k.type === 'ed25519' ? k.publicKey.toString('base64').toUpperCase() : k.fingerprint.toUpperCase()));
}
