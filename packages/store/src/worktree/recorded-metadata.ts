import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import type { RecordedMetadata } from '../commit/write-tree.js';
import { openFileObjectSync } from '../repo/file-object.js';

/**
 * For a worktree checked out as a non-root user (no ownership, no xattrs, no setuid/setgid on
 * disk): the committed owner, xattrs and special bits of a path, read from its object in the
 * head commit, so that status reports no owner change there and a commit keeps them. Paths that
 * are new take what the disk says, as `ostree commit` of the folder would.
 */
export class RecordedMetadataSource {
  private readonly byObject = new Map<string, RecordedMetadata>();

  constructor(private readonly repo: Repo) {}

  of(head: { sum: Checksum; isDir: boolean } | undefined, isDir: boolean): RecordedMetadata | undefined {
    if (!head || head.isDir !== isDir) return undefined;
    const key = `${isDir ? 'd' : 'f'}${head.sum}`;
    let m = this.byObject.get(key);
    if (!m) {
      const info = isDir ? this.repo.readDirMetaSync(head.sum) : openFileObjectSync(this.repo, head.sum).info;
      m = { uid: info.uid, gid: info.gid, xattrs: info.xattrs, specialBits: info.mode & 0o7000 };
      this.byObject.set(key, m);
    }
    return m;
  }
}
