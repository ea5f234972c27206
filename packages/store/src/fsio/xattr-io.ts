import { createRequire } from 'node:module';
import type * as XattrBinding from '@napi-rs/xattr';
import type { Xattrs } from '../objects/xattrs.js';
import { normalizeXattrs } from '../objects/xattrs.js';

let binding: typeof XattrBinding | undefined;
/**
 * @napi-rs/xattr, loaded on first use: finding and loading its native code costs a small command
 * (rev-parse, log) a good part of its start-up, and only commit, checkout and fsck need it.
 */
function xattr(): typeof XattrBinding {
  return (binding ??= createRequire(import.meta.url)('@napi-rs/xattr') as typeof XattrBinding);
}

/**
 * Extended attributes of a path, never following a symlink (@napi-rs/xattr uses the l*xattr
 * calls). Sorted, empty values dropped, as OSTree reads them. A filesystem without xattr support
 * reads as none.
 */
export function readXattrs(path: string): Xattrs {
  let names: string[];
  try {
    names = xattr().listAttributesSync(path);
  } catch (err) {
    if (isUnsupported(err)) return [];
    throw err;
  }
  if (names.length === 0) return [];
  const out: Xattrs = [];
  for (const name of names) {
    const v = xattr().getAttributeSync(path, name);
    if (v && v.length > 0) out.push([name, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]);
  }
  return normalizeXattrs(out);
}

export function readXattr(path: string, name: string): Uint8Array | null {
  const v = xattr().getAttributeSync(path, name);
  return v ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : null;
}

export function writeXattrs(path: string, xattrs: Xattrs): void {
  for (const [name, value] of xattrs) xattr().setAttributeSync(path, name, value);
}

export function writeXattr(path: string, name: string, value: Uint8Array): void {
  xattr().setAttributeSync(path, name, value);
}

function isUnsupported(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return /not supported|ENOTSUP|EOPNOTSUPP/i.test(msg);
}
