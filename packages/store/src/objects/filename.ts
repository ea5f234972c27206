import { StoreError } from '../errors.js';

/**
 * Checks one entry name of a dirtree. Stricter than OSTree 2022.7, which accepts '' (see
 * reference/ostree-formats.md §4): a name must be non-empty, not '.' or '..', and hold no '/' or NUL.
 */
export function validateFilename(name: string, where: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new StoreError('UNSAFE_TREE', `${where}: unsafe entry name ${JSON.stringify(name)}`, { name, where });
  }
}

/**
 * strcmp order of the UTF-8 bytes, the order OSTree sorts dirtree entries in. Compares UTF-16
 * code units without encoding: below U+D800 their order is the code points' order, which is
 * UTF-8's. Only where a surrogate (a character beyond U+FFFF) or U+E000..U+FFFF differ does the
 * order differ, and those names are compared as bytes. (Every dirtree read and merge sorts or
 * checks names, so encoding both on each comparison was a real cost.)
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  }
  return a.length - b.length;
}
