import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type Checksum, sha256Hex } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import type { Transaction } from '../repo/transaction.js';
import { openFileObjectSync } from '../repo/file-object.js';
import { type DirTree, encodeDirTree } from '../objects/dirtree.js';
import { type DirMeta, encodeDirMeta } from '../objects/dirmeta.js';
import { type FileInfo, isSymlinkMode } from '../objects/file-header.js';
import { contentHashPrefix } from '../objects/filez.js';

/** What a merge read and wrote; `treesRead` proves that equal subtrees were never descended into. */
export interface MergeStats {
  treesRead: number;
  metasRead: number;
  /** content objects whose header (and, for files both sides changed, bytes) were read */
  filesRead: number;
  objectsWritten: number;
}

/** A content object as the merge sees it: its header, and its bytes once asked for. */
export interface MergeFile {
  checksum: Checksum;
  info: FileInfo;
  /** the bytes (regular files) */
  content(): Promise<Buffer>;
  /** SHA-256 of the bytes alone, to tell content changes from metadata changes */
  contentDigest(): Promise<string>;
}

/**
 * The merge's view of the object store: reads count into `stats`, writes go into the
 * transaction, and every object written is kept in memory too, so that a virtual merge base
 * (criss-cross merges) can be read back before the transaction commits.
 */
export class MergeObjects {
  readonly stats: MergeStats = { treesRead: 0, metasRead: 0, filesRead: 0, objectsWritten: 0 };
  private readonly trees = new Map<Checksum, DirTree>();
  private readonly metas = new Map<Checksum, DirMeta>();
  private readonly files = new Map<Checksum, { info: FileInfo; bytes: Buffer }>();
  private readonly pending: Array<Promise<void>> = [];

  constructor(readonly repo: Repo, readonly tx: Transaction) {}

  readDirTree(checksum: Checksum): DirTree {
    this.stats.treesRead++;
    return this.trees.get(checksum) ?? this.repo.readDirTreeSync(checksum);
  }

  readDirMeta(checksum: Checksum): DirMeta {
    this.stats.metasRead++;
    return this.metas.get(checksum) ?? this.repo.readDirMetaSync(checksum);
  }

  openFile(checksum: Checksum): MergeFile {
    this.stats.filesRead++;
    const mine = this.files.get(checksum);
    if (mine) return memoryFile(checksum, mine.info, mine.bytes);
    const obj = openFileObjectSync(this.repo, checksum);
    let bytes: Promise<Buffer> | null = null;
    let digest: Promise<string> | null = null;
    const content = (): Promise<Buffer> => (bytes ??= obj.readContent());
    return {
      checksum,
      info: obj.info,
      content,
      contentDigest: () => (digest ??= isSymlinkMode(obj.info.mode)
        ? Promise.resolve(sha256Hex(Buffer.from(obj.info.symlinkTarget)))
        : obj.info.size <= 8 * 1024 * 1024 ? content().then((b) => sha256Hex(b)) : hashStream(obj.openContent())),
    };
  }

  writeDirTree(tree: DirTree): Checksum {
    const bytes = encodeDirTree(tree);
    const checksum = sha256Hex(bytes);
    if (!this.trees.has(checksum) && !this.tx.inRepoOrInFlightSync(checksum, 'dirtree')) {
      this.tx.writeMetadataSync(checksum, 'dirtree', bytes);
      this.stats.objectsWritten++;
    }
    this.trees.set(checksum, tree);
    return checksum;
  }

  writeDirMeta(meta: DirMeta): Checksum {
    const bytes = encodeDirMeta(meta);
    const checksum = sha256Hex(bytes);
    if (!this.metas.has(checksum) && !this.tx.inRepoOrInFlightSync(checksum, 'dirmeta')) {
      this.tx.writeMetadataSync(checksum, 'dirmeta', bytes);
      this.stats.objectsWritten++;
    }
    this.metas.set(checksum, meta);
    return checksum;
  }

  /**
   * Writes a content object with the checksum the store gives it (SHA-256 of the framed content
   * header, then the bytes: see reference/ostree-formats.md §2.4) and returns that checksum.
   */
  writeFile(info: FileInfo, bytes: Buffer): Checksum {
    const full: FileInfo = { ...info, size: isSymlinkMode(info.mode) ? 0 : bytes.length };
    const checksum = sha256Hex(contentHashPrefix(full), isSymlinkMode(info.mode) ? Buffer.alloc(0) : bytes);
    if (!this.files.has(checksum) && !this.tx.hasSync(checksum, 'file')) {
      const done = this.tx.writeFile(checksum, full, isSymlinkMode(info.mode) ? null : { bytes });
      if (done) this.pending.push(done);
      this.stats.objectsWritten++;
    }
    this.files.set(checksum, { info: full, bytes });
    return checksum;
  }

  /** Waits for every file write still compressing; call before the transaction commits. */
  async flush(): Promise<void> {
    await Promise.all(this.pending.splice(0));
  }
}

function memoryFile(checksum: Checksum, info: FileInfo, bytes: Buffer): MergeFile {
  return {
    checksum,
    info,
    content: () => Promise.resolve(bytes),
    contentDigest: () => Promise.resolve(sha256Hex(isSymlinkMode(info.mode) ? Buffer.from(info.symlinkTarget) : bytes)),
  };
}

async function hashStream(stream: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of stream) h.update(chunk as Buffer);
  return h.digest('hex');
}
