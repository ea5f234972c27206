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

/** strcmp order of the UTF-8 bytes, the order OSTree sorts dirtree entries in. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
