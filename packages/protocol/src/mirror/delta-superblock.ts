import { gvariant } from '@osgit/store';
import { ProtocolError } from '../errors.js';

/** A static delta's superblock (reference/ostree-formats.md §7). */
export const SUPERBLOCK_TYPE = '(a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))';

/** One part of a delta: a file `<dir>/<index>` with this SHA-256, or carried inside the superblock. */
export interface DeltaPart {
  index: number;
  /** SHA-256 (hex) of the part file */
  checksum: string;
  inline: boolean;
}

/**
 * The parts a superblock lists, read only as far as a mirror needs (it copies files, it does not
 * apply them): the part headers `a(uayttay)` give each part's SHA-256; a part is inline when the
 * superblock's metadata holds it under its relative path `<dir>/<index>` (as ostree writes it).
 * `dir` is the delta's folder (`deltas/XX/REST`). BAD_RESPONSE for anything else. Pure.
 */
export function superblockParts(bytes: Uint8Array, dir: string, url: string): DeltaPart[] {
  let value: gvariant.GValue[];
  try {
    value = gvariant.deserialize(SUPERBLOCK_TYPE, bytes) as gvariant.GValue[];
  } catch (cause) {
    throw new ProtocolError('BAD_RESPONSE', `${url}: not a static delta superblock (${(cause as Error).message})`, { url }, { cause });
  }
  const metadataKeys = new Set((value[0] as Array<[string, unknown]>).map(([k]) => k));
  const headers = value[6] as Array<[number, Uint8Array, bigint, bigint, Uint8Array]>;
  return headers.map(([, checksum], index) => {
    if (checksum.length !== 32) {
      throw new ProtocolError('BAD_RESPONSE', `${url}: part ${index} of the superblock has a checksum of ${checksum.length} bytes`, { url, part: index });
    }
    return { index, checksum: Buffer.from(checksum).toString('hex'), inline: metadataKeys.has(`${dir}/${index}`) };
  });
}
