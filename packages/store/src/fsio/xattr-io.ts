import { createRequire } from 'node:module';
import { constants } from 'node:os';
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
    throw systemError(err, 'llistxattr', path);
  }
  if (names.length === 0) return [];
  const out: Xattrs = [];
  for (const name of names) {
    const v = getXattr(path, name);
    if (v && v.length > 0) out.push([name, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]);
  }
  return normalizeXattrs(out);
}

export function readXattr(path: string, name: string): Uint8Array | null {
  const v = getXattr(path, name);
  return v ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : null;
}

export function writeXattrs(path: string, xattrs: Xattrs): void {
  for (const [name, value] of xattrs) writeXattr(path, name, value);
}

export function writeXattr(path: string, name: string, value: Uint8Array): void {
  try {
    xattr().setAttributeSync(path, name, value);
  } catch (err) {
    throw systemError(err, 'lsetxattr', path);
  }
}

function getXattr(path: string, name: string): Buffer | null {
  try {
    return xattr().getAttributeSync(path, name);
  } catch (err) {
    throw systemError(err, 'lgetxattr', path);
  }
}

/**
 * The native module reports failures as `GenericFailure` with "... (os error N)" in the message;
 * this makes them the errno-shaped errors Node's own fs calls throw (code `EPERM`, syscall, path),
 * so that callers name them as they name every other file-system failure.
 */
function systemError(err: unknown, syscall: string, path: string): unknown {
  const m = /^(.*) \(os error (\d+)\)$/.exec(String((err as Error)?.message ?? ''));
  if (!m) return err;
  const errno = Number(m[2]);
  const code = Object.entries(constants.errno).find(([, n]) => n === errno)?.[0];
  if (!code) return err;
  return Object.assign(new Error(`${code}: ${m[1]}, ${syscall} '${path}'`, { cause: err }), { code, errno: -errno, syscall, path });
}

function isUnsupported(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return /not supported|ENOTSUP|EOPNOTSUPP/i.test(msg);
}
