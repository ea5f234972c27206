import type { Checksum } from '../checksum.js';

/**
 * What kind of disagreement a conflict is. `content` (both sides changed a file's bytes),
 * `mode`, `owner` (uid/gid), `xattrs`, `symlink-target`, `type` (regular file versus symlink),
 * `file-directory`, `add-add` (both sides added different files), `modify-delete` (ours changed,
 * theirs deleted) and `delete-modify` (the reverse).
 */
export type ConflictKind =
  | 'content' | 'mode' | 'owner' | 'xattrs' | 'symlink-target' | 'file-directory' | 'type'
  | 'add-add' | 'modify-delete' | 'delete-modify';

/** One side of a conflicting path, as a person needs to see it. */
export interface SideDescription {
  type: 'file' | 'symlink' | 'dir';
  /** permission bits in octal, e.g. "0644" */
  mode: string;
  uid: number;
  gid: number;
  /** content object checksum (file, symlink) or dirtree checksum (dir) */
  checksum: Checksum;
  /** dirmeta checksum (dir only) */
  meta?: Checksum;
  /** symlink only */
  target?: string;
  /** names of the extended attributes */
  xattrs: string[];
}

/** A path the merge could not decide; each side is described when it exists there. */
export interface MergeConflict {
  /** absolute path in the tree ("/etc/passwd"; "/" is the root folder) */
  path: string;
  kind: ConflictKind;
  base?: SideDescription;
  ours?: SideDescription;
  theirs?: SideDescription;
}

/** Permission bits as git and ls show them: at least four octal digits. */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
