import { StoreError } from '../errors.js';
import { type Checksum, sha256Hex } from '../checksum.js';
import { deserialize } from '../gvariant/index.js';
import { type ObjectType, MAX_METADATA_SIZE } from './object-type.js';
import { decodeCommit } from './commit.js';
import { decodeDirTree } from './dirtree.js';
import { decodeDirMeta } from './dirmeta.js';

/**
 * Checks a metadata object that came from elsewhere (a remote, a push) before it is stored:
 * size within OSTree's metadata limit; for commit, dirtree and dirmeta, SHA-256 of the bytes is
 * `checksum` (OBJECT_CORRUPT naming expected and actual); normal-form GVariant of the object's
 * type (GVARIANT_NOT_NORMAL; the strict decoder accepts exactly what serialize() emits, so normal
 * form needs no re-serialization); dirtree names safe, sorted and unique (UNSAFE_TREE); embedded
 * checksums 32 bytes. Commitmeta and tombstones are keyed by their commit, so only their
 * `a{sv}` form is checked. Every error's data names `checksum` and `type`. Pure.
 */
export function verifyMetadataObject(checksum: Checksum, type: ObjectType, bytes: Uint8Array): void {
  const what = `${type} object ${checksum}`;
  if (type === 'file') throw new StoreError('INVALID_ARGUMENT', `${what}: not a metadata object`, { checksum, type });
  if (bytes.length > MAX_METADATA_SIZE) {
    throw new StoreError('OBJECT_CORRUPT', `${what} is ${bytes.length} bytes, over the ${MAX_METADATA_SIZE}-byte limit`, { checksum, type });
  }
  if (type !== 'commitmeta' && type !== 'tombstone-commit') {
    const actual = sha256Hex(bytes);
    if (actual !== checksum) {
      throw new StoreError('OBJECT_CORRUPT', `corrupted ${type} object; checksum expected='${checksum}' actual='${actual}'`, { checksum, actual, type });
    }
  }
  try {
    switch (type) {
      case 'commit':
        decodeCommit(bytes, what);
        return;
      case 'dirtree':
        decodeDirTree(bytes, what);
        return;
      case 'dirmeta':
        decodeDirMeta(bytes, what);
        return;
      case 'commitmeta':
      case 'tombstone-commit':
        deserialize('a{sv}', bytes);
        return;
    }
  } catch (err) {
    // Re-thrown with the object named, so a caller can say which object of a transfer was bad.
    if (err instanceof StoreError) {
      throw new StoreError(err.code, err.code.startsWith('GVARIANT') ? `${what}: ${err.message}` : err.message, { ...err.data, checksum, type }, { cause: err });
    }
    throw err;
  }
}
