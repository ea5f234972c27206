import { createHash } from 'node:crypto';
import { StoreError } from './errors.js';

/** A SHA-256 checksum as 64 lowercase hex characters: the name of every OSTree object. */
export type Checksum = string;

const HEX64 = /^[0-9a-f]{64}$/;

export function isChecksum(text: string): boolean {
  return HEX64.test(text);
}

export function checksumToBytes(hex: Checksum): Uint8Array {
  if (!HEX64.test(hex)) throw new StoreError('INVALID_ARGUMENT', `not a checksum: ${JSON.stringify(hex)}`, { value: hex });
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Reads a 32-byte `ay` checksum out of an object; anything else is a corrupt object. */
export function checksumFromBytes(bytes: Uint8Array, what: string): Checksum {
  if (bytes.length !== 32) {
    throw new StoreError('OBJECT_CORRUPT', `${what}: checksum has ${bytes.length} bytes, expected 32`, { what });
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function sha256Hex(...parts: Uint8Array[]): Checksum {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}
