import { serialize, deserialize, bswap64 } from '../gvariant/index.js';
import type { GVariantBox } from '../gvariant/index.js';
import { type Checksum, checksumToBytes, checksumFromBytes } from '../checksum.js';
import { StoreError } from '../errors.js';

/** Commit metadata `a{sv}`, kept in order (OSTree keeps insertion order; readers never assume one). */
export type Metadata = Array<[key: string, value: GVariantBox]>;

/** A commit object `(a{sv}aya(say)sstayay)` (§2.1). */
export interface Commit {
  metadata: Metadata;
  parent: Checksum | null;
  subject: string;
  body: string;
  /**
   * seconds since the epoch, UTC, signed: stored as a uint64 that ostree fills from a time_t and
   * reads back as a gint64, so 1969 is -1 and not 2^64-1
   */
  timestamp: bigint;
  rootTree: Checksum;
  rootMeta: Checksum;
}

export const COMMIT_TYPE = '(a{sv}aya(say)sstayay)';

export function encodeCommit(c: Commit): Uint8Array {
  return serialize(COMMIT_TYPE, [
    c.metadata,
    c.parent ? checksumToBytes(c.parent) : new Uint8Array(0),
    [],
    c.subject,
    c.body,
    bswap64(c.timestamp),
    checksumToBytes(c.rootTree),
    checksumToBytes(c.rootMeta),
  ]);
}

export function decodeCommit(bytes: Uint8Array, what = 'commit'): Commit {
  const [metadata, parent, , subject, body, ts, tree, meta] = deserialize(COMMIT_TYPE, bytes) as [
    Metadata, Uint8Array, unknown, string, string, bigint, Uint8Array, Uint8Array,
  ];
  for (const [k] of metadata) {
    if (k === '') throw new StoreError('OBJECT_CORRUPT', `${what}: empty metadata key`);
  }
  if (parent.length !== 0 && parent.length !== 32) {
    throw new StoreError('OBJECT_CORRUPT', `${what}: parent checksum has ${parent.length} bytes`);
  }
  return {
    metadata,
    parent: parent.length === 0 ? null : checksumFromBytes(parent, `${what} parent`),
    subject,
    body,
    timestamp: BigInt.asIntN(64, bswap64(ts)),
    rootTree: checksumFromBytes(tree, `${what} root tree`),
    rootMeta: checksumFromBytes(meta, `${what} root meta`),
  };
}

/** A metadata value by key (the first one, as GVariantDict lookup would see it). */
export function metadataValue(metadata: Metadata, key: string): GVariantBox | undefined {
  return metadata.find(([k]) => k === key)?.[1];
}
