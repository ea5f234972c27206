import type { GValue } from '../gvariant/index.js';
import { StoreError } from '../errors.js';

/** Extended attributes as OSTree stores them: sorted by name bytes, no empty values. */
export type Xattrs = Array<[name: string, value: Uint8Array]>;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Sorts by name (strcmp of the bytes) and drops empty values, as libglnx does when reading. */
export function normalizeXattrs(xattrs: Xattrs): Xattrs {
  return xattrs
    .filter(([, v]) => v.length > 0)
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** `a(ayay)`: each name is a bytestring including its trailing NUL (§2.4). */
export function xattrsToGValue(xattrs: Xattrs): GValue {
  return xattrs.map(([name, value]) => {
    const n = enc.encode(name);
    const withNul = new Uint8Array(n.length + 1);
    withNul.set(n);
    return [withNul, value];
  });
}

export function xattrsFromGValue(value: GValue, what: string): Xattrs {
  const out: Xattrs = [];
  for (const entry of value as Array<[Uint8Array, Uint8Array]>) {
    const [rawName, v] = entry;
    if (rawName.length < 2 || rawName[rawName.length - 1] !== 0 || rawName.indexOf(0) !== rawName.length - 1) {
      throw new StoreError('OBJECT_CORRUPT', `${what}: xattr name is not a NUL-terminated non-empty string`, { what });
    }
    let name: string;
    try {
      name = dec.decode(rawName.subarray(0, rawName.length - 1));
    } catch (cause) {
      throw new StoreError('OBJECT_CORRUPT', `${what}: xattr name is not UTF-8`, { what }, { cause });
    }
    out.push([name, v]);
  }
  return out;
}
