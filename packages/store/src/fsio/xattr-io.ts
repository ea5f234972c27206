import { listAttributesSync, getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import type { Xattrs } from '../objects/xattrs.js';
import { normalizeXattrs } from '../objects/xattrs.js';

/**
 * Extended attributes of a path, never following a symlink (@napi-rs/xattr uses the l*xattr
 * calls). Sorted, empty values dropped, as OSTree reads them. A filesystem without xattr support
 * reads as none.
 */
export function readXattrs(path: string): Xattrs {
  let names: string[];
  try {
    names = listAttributesSync(path);
  } catch (err) {
    if (isUnsupported(err)) return [];
    throw err;
  }
  if (names.length === 0) return [];
  const out: Xattrs = [];
  for (const name of names) {
    const v = getAttributeSync(path, name);
    if (v && v.length > 0) out.push([name, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]);
  }
  return normalizeXattrs(out);
}

export function readXattr(path: string, name: string): Uint8Array | null {
  const v = getAttributeSync(path, name);
  return v ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : null;
}

export function writeXattrs(path: string, xattrs: Xattrs): void {
  for (const [name, value] of xattrs) setAttributeSync(path, name, value);
}

export function writeXattr(path: string, name: string, value: Uint8Array): void {
  setAttributeSync(path, name, value);
}

function isUnsupported(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return /not supported|ENOTSUP|EOPNOTSUPP/i.test(msg);
}
