import type { Checksum } from '../checksum.js';
import type { RepoMode } from '../repo/config.js';

/** OSTree's object kinds (see reference/ostree-formats.md §1). */
export type ObjectType = 'file' | 'dirtree' | 'dirmeta' | 'commit' | 'tombstone-commit' | 'commitmeta';

/** Largest metadata object read or accepted (OSTREE_MAX_METADATA_SIZE, §4). */
export const MAX_METADATA_SIZE = 10 * 1024 * 1024;

export const METADATA_TYPES: readonly ObjectType[] = ['dirtree', 'dirmeta', 'commit'];

/** File extension of a loose object; content objects are `.filez` only in archive repos. */
export function objectExtension(type: ObjectType, mode: RepoMode): string {
  switch (type) {
    case 'file':
      return mode === 'archive' ? 'filez' : 'file';
    case 'dirtree':
      return 'dirtree';
    case 'dirmeta':
      return 'dirmeta';
    case 'commit':
      return 'commit';
    case 'tombstone-commit':
      return 'tombstone-commit';
    case 'commitmeta':
      return 'commitmeta';
  }
}

/** `objects/XX/<62 hex>.<ext>` relative to the repo root. */
export function objectRelPath(checksum: Checksum, type: ObjectType, mode: RepoMode): string {
  return `objects/${checksum.slice(0, 2)}/${checksum.slice(2)}.${objectExtension(type, mode)}`;
}

export function parseObjectFileName(dir: string, name: string): { checksum: Checksum; ext: string } | null {
  const dot = name.indexOf('.');
  if (dot !== 62 || dir.length !== 2) return null;
  const checksum = dir + name.slice(0, 62);
  if (!/^[0-9a-f]{64}$/.test(checksum)) return null;
  return { checksum, ext: name.slice(63) };
}
