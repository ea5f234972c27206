import type { Checksum, ObjectType } from '@osgit/store';

/**
 * Paths of OSTree's static repository layout, relative to the remote's base URL
 * (reference/ostree-formats.md §1 and §5). Objects are always requested in archive form: a
 * content object is `.filez` whatever the local repository's mode. Pure.
 */
const EXTENSIONS: Record<ObjectType, string> = {
  file: 'filez',
  dirtree: 'dirtree',
  dirmeta: 'dirmeta',
  commit: 'commit',
  'tombstone-commit': 'tombstone-commit',
  commitmeta: 'commitmeta',
};

export function objectPath(checksum: Checksum, type: ObjectType): string {
  return `objects/${checksum.slice(0, 2)}/${checksum.slice(2)}.${EXTENSIONS[type]}`;
}

/** `refs/heads/<ref>`; ref names were validated, their '/' are folders on the server too. */
export function refPath(ref: string): string {
  return `refs/heads/${ref}`;
}

/** Resolves `path` against a base URL taken as a folder (a trailing '/' is added if missing). */
export function urlFor(base: string, path: string): string {
  return new URL(path, base.endsWith('/') ? base : `${base}/`).href;
}
