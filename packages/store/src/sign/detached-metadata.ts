import { deserialize, serialize } from '../gvariant/index.js';
import type { GVariantBox } from '../gvariant/index.js';
import { StoreError } from '../errors.js';
import { DETACHED_METADATA_TYPE, SIGNATURES_TYPE } from './signature-metadata-keys.js';

/** Detached metadata as an ordered list of entries (the order the bytes have). */
export type DetachedMetadata = Array<[key: string, value: GVariantBox]>;

/**
 * Parses `a{sv}` detached metadata bytes (a `.commitmeta` or `summary.sig`); empty input is the
 * empty dictionary (GVariant's empty `a{sv}` is zero bytes). `code` (SIGNATURE_INVALID by default) when not normal form.
 */
export function parseDetachedMetadata(
  bytes: Uint8Array,
  what: string,
  code: 'SIGNATURE_INVALID' | 'OBJECT_CORRUPT' = 'SIGNATURE_INVALID',
): DetachedMetadata {
  try {
    return deserialize(DETACHED_METADATA_TYPE, bytes) as DetachedMetadata;
  } catch (cause) {
    throw new StoreError(code, `the detached metadata of ${what} is not a valid a{sv}: ${(cause as Error).message}`, { what }, { cause });
  }
}

export function serializeDetachedMetadata(entries: DetachedMetadata): Buffer {
  const bytes = serialize(DETACHED_METADATA_TYPE, entries);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The signatures stored under `key` (an `aay`), or [] when the key is absent. A value of
 * another type is treated as absent-but-wrong by the caller: returns null.
 */
export function signaturesUnder(entries: DetachedMetadata, key: string): Uint8Array[] | null {
  const entry = entries.find(([k]) => k === key);
  if (!entry) return [];
  if (entry[1].type !== SIGNATURES_TYPE) return null;
  return entry[1].value as Uint8Array[];
}
