import { readlinkSync } from 'node:fs';
import { StoreError } from '../errors.js';

// fatal: invalid bytes throw instead of becoming U+FFFD; ignoreBOM: a leading U+FEFF is kept.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The target of the symlink at `path`, exactly. OSTree stores targets as UTF-8 text; a target
 * that is not valid UTF-8 cannot be stored unaltered (ostree itself stores "[Invalid UTF-8]"),
 * so it is refused with COMMIT_INPUT naming the path.
 */
export function readSymlinkTarget(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readlinkSync(path, { encoding: 'buffer' });
  } catch (cause) {
    throw new StoreError('COMMIT_INPUT', `cannot read symlink ${path}: ${(cause as Error).message}`, { path }, { cause });
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new StoreError('COMMIT_INPUT', `${path}: symlink target is not valid UTF-8 (bytes ${bytes.toString('hex')}); OSTree stores targets as UTF-8 text`, { path, target: bytes.toString('hex') });
  }
}
