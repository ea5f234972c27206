import { writeFileSync } from 'node:fs';
import { fsError } from './fs-error.js';

/**
 * Creates a new file holding `data` (O_EXCL, with `mode`); false if it already exists, which for
 * an object means another writer staged the same bytes. Any other failure is a typed StoreError
 * naming the path (NO_SPACE, PERMISSION_DENIED, IO).
 */
export function createExclusiveSync(path: string, data: Uint8Array, mode: number): boolean {
  try {
    writeFileSync(path, data, { flag: 'wx', mode });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsError(err, { action: 'cannot write', path });
  }
}
