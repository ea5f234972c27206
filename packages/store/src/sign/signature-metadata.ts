import { StoreError } from '../errors.js';
import type { GVariantBox } from '../gvariant/index.js';
import { gvariantDictOrder } from './dict-order.js';
import { parseDetachedMetadata, serializeDetachedMetadata, type DetachedMetadata } from './detached-metadata.js';
import { ed25519Sign } from './ed25519.js';
import { loadOpenPgp } from './openpgp-module.js';
import { ED25519_SIGNATURES_KEY, GPG_SIGNATURES_KEY, SIGNATURES_TYPE } from './signature-metadata-keys.js';
import type { SigningKey } from './signing-key.js';
import { verifySignedBytes } from './verify-signed-bytes.js';

/**
 * The `a{sv}` detached metadata bytes with a signature of `data` by each key appended
 * (reference §5.3): other keys kept, each signature added to the `aay` of `ostree.sign.ed25519`
 * or `ostree.gpgsigs`, in the key order OSTree's GVariantDict round trip gives (App. A).
 * A key that already signed (same ed25519 bytes, or a gpg signature issued by the same key) is
 * not added again. OpenPGP: binary detached v4 signatures, SHA-512, as gpg makes them.
 */
export async function signatureMetadata(data: Buffer, keys: SigningKey[], existing?: Buffer | null): Promise<Buffer> {
  let entries: DetachedMetadata = existing && existing.length > 0 ? parseDetachedMetadata(existing, 'the existing signatures', 'OBJECT_CORRUPT') : [];
  for (const key of keys) {
    const metaKey = key.type === 'ed25519' ? ED25519_SIGNATURES_KEY : GPG_SIGNATURES_KEY;
    const current = entries.find(([k]) => k === metaKey);
    if (current && current[1].type !== SIGNATURES_TYPE) {
      throw new StoreError('OBJECT_CORRUPT', `the existing ${metaKey} is of type ${current[1].type}, not ${SIGNATURES_TYPE}`, { key: metaKey });
    }
    const sigs = (current?.[1].value as Uint8Array[] | undefined) ?? [];
    let added: Uint8Array;
    if (key.type === 'ed25519') {
      const signature = ed25519Sign(data, key.secret); // deterministic: the same key gives the same bytes
      if (sigs.some((s) => Buffer.from(s).equals(signature))) continue;
      added = signature;
    } else {
      if (await signedByGpgKey(data, sigs, key)) continue;
      added = await gpgDetachedSignature(data, key);
    }
    entries = dictInsert(entries, metaKey, { type: SIGNATURES_TYPE, value: [...sigs, added] });
  }
  return serializeDetachedMetadata(entries);
}

/** g_variant_dict_init(existing) + insert_value(key) + end: bucket order, not insertion order. */
function dictInsert(entries: DetachedMetadata, key: string, value: GVariantBox): DetachedMetadata {
  const values = new Map(entries);
  values.set(key, value);
  return gvariantDictOrder([...entries.map(([k]) => k), key]).map((k) => [k, values.get(k)!]);
}

async function gpgDetachedSignature(data: Buffer, key: SigningKey & { type: 'gpg' }): Promise<Uint8Array> {
  const openpgp = await loadOpenPgp();
  const message = await openpgp.createMessage({ binary: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  return openpgp.sign({
    message,
    signingKeys: key.key as import('openpgp').PrivateKey,
    detached: true,
    format: 'binary',
    config: { preferredHashAlgorithm: openpgp.enums.hash.sha512 },
  }) as Promise<Uint8Array>;
}

/** True when one of `sigs` is a valid signature of `data` by (a subkey of) `key` (a stale one does not count). */
async function signedByGpgKey(data: Buffer, sigs: Uint8Array[], key: SigningKey & { type: 'gpg' }): Promise<boolean> {
  if (sigs.length === 0) return false;
  const pk = (key.key as import('openpgp').PrivateKey).toPublic();
  const report = await verifySignedBytes(data, serializeDetachedMetadata([[GPG_SIGNATURES_KEY, { type: SIGNATURES_TYPE, value: sigs }]]), { ed25519: [], gpg: [pk] });
  return report.valid;
}
