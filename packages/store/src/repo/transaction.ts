import { promises as fs, chmodSync, chownSync, closeSync, lstatSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from './repo.js';
import { type ObjectType, objectRelPath } from '../objects/object-type.js';
import {
  type FileInfo, encodeArchiveHeader, encodeBareUserMeta, encodeFileHeader, framedHeader, isSymlinkMode,
} from '../objects/file-header.js';
import { stageBareFileSync } from './stage-file-sync.js';
import { acquireLock, type RepoLock } from './lock.js';
import { syncFilesystem, syncPaths } from '../fsio/sync-fs.js';
import type { FileLock } from '../fsio/file-lock.js';
import { makeStaging, removeStaleStaging } from './staging.js';
import { type RefUpdate, updateRef } from '../refs/refs.js';
import { forEachLimit } from '../fsio/for-each-limit.js';
import { writeXattr, writeXattrs } from '../fsio/xattr-io.js';
import { deflateFileParallel, writeAll } from '../fsio/parallel-deflate.js';
import { ObjectWorkers } from '../fsio/object-workers.js';
import { createExclusiveSync } from '../fsio/create-exclusive.js';
import type { RepoMode } from './config.js';
import { type ReceivedData, writeReceivedObject } from './receive-object.js';

/**
 * Where a regular file's bytes come from: in memory (the caller hashed exactly these bytes), or
 * a path (large files), which the transaction reads once more, hashing what it writes: the
 * object is staged only if that matches the checksum and size the caller announced.
 */
export type FileContent = { bytes: Uint8Array } | { path: string };

export interface TransactionStats {
  objectsWritten: number;
  bytesWritten: number;
}

/**
 * A write transaction (OSTree's prepare/commit/abort). Objects go into a private staging folder
 * under tmp/; commit() makes them durable (one syncfs, or one fsync each when there are few),
 * renames each into objects/, and syncs again, so a final object path never holds a partial file. Holds the repo's shared lock from
 * begin() until commit() or abort() has finished, refs included. The staging folder has a lock
 * file beside it, locked for the transaction's life (as ostree does for its staging folders):
 * begin() removes every staging folder whose lock it can take, i.e. whose owner is gone, after
 * adopting the verified dirtree, dirmeta and file objects of those of the current boot (a killed
 * pull resumes without fetching them again; see adopt-staging.ts).
 */
/**
 * Up to this many staged objects, commit() fsyncs each object and folder it touched instead of
 * calling syncfs three times: syncfs waits for all dirty data on the filesystem, which on a busy
 * machine costs seconds for a commit of ten files.
 */
const FEW_OBJECTS = 256;

export class Transaction {
  readonly repo: Repo;
  readonly dir: string;
  readonly stats: TransactionStats = { objectsWritten: 0, bytesWritten: 0 };
  private readonly lock: RepoLock;
  private readonly stagingLock: FileLock;
  private cleaned = false;
  private readonly madeDirs = new Set<string>();
  /** @internal objects being written by this transaction's asynchronous writes */
  readonly inFlight = new Set<Checksum>();
  private workers: ObjectWorkers | null = null;
  private tempSeq = 0;
  private done = false;

  private constructor(repo: Repo, dir: string, lock: RepoLock, stagingLock: FileLock) {
    this.repo = repo;
    this.dir = dir;
    this.lock = lock;
    this.stagingLock = stagingLock;
  }

  static async begin(repo: Repo): Promise<Transaction> {
    const lock = await acquireLock(repo.path, 'shared');
    try {
      const { dir, stagingLock } = await makeStaging(repo);
      try {
        // A dead transaction of this boot hands its verified objects over (staging.ts).
        await removeStaleStaging(repo, { adoptInto: dir });
      } catch (err) {
        await fs.rm(dir, { recursive: true, force: true });
        await fs.rm(stagingLock.path, { force: true });
        await stagingLock.release();
        throw err;
      }
      return new Transaction(repo, dir, lock, stagingLock);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** @internal where an object is staged (the 2-hex folder created on first use) */
  stagePath(checksum: Checksum, type: ObjectType): string {
    const rel = objectRelPath(checksum, type, this.repo.mode).slice('objects/'.length);
    const sub = rel.slice(0, 2);
    if (this.done) throw new StoreError('INVALID_ARGUMENT', 'write into a finished transaction');
    if (!this.madeDirs.has(sub)) {
      // Not recursive: a write racing an abort must fail, not recreate the staging folder.
      try {
        mkdirSync(join(this.dir, sub));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      this.madeDirs.add(sub);
    }
    return join(this.dir, rel);
  }

  /** True if the object is in the repo, already staged, or being written by this transaction. */
  hasSync(checksum: Checksum, type: ObjectType): boolean {
    if (this.inFlight.has(checksum)) return true;
    if (this.repo.hasObjectSync(checksum, type)) return true;
    const rel = objectRelPath(checksum, type, this.repo.mode).slice('objects/'.length);
    return lstatSync(join(this.dir, rel), { throwIfNoEntry: false }) !== undefined;
  }

  /**
   * hasSync without the look into the staging folder: for writes that are a single O_EXCL
   * create (metadata objects, small files in bare modes), which find an object this
   * transaction staged already by themselves, at no more cost than the lookup.
   */
  inRepoOrInFlightSync(checksum: Checksum, type: ObjectType): boolean {
    return this.inFlight.has(checksum) || this.repo.hasObjectSync(checksum, type);
  }

  /**
   * Verifies an object received from elsewhere (a remote, a push) completely, then stages it in
   * this repo's mode; OBJECT_CORRUPT / UNSAFE_TREE / GVARIANT_NOT_NORMAL and nothing staged if it
   * is not the object named `checksum`. See receive-object.ts. Resolves with the bytes staged
   * (0 when the repo or this transaction has the object already).
   */
  writeReceivedObject(checksum: Checksum, type: ObjectType, data: ReceivedData): Promise<number> {
    return writeReceivedObject(this, checksum, type, data);
  }

  /** Stages a metadata object (its bytes are its checksum's preimage; the caller computed it). */
  writeMetadataSync(checksum: Checksum, type: ObjectType, bytes: Uint8Array): void {
    if (createExclusiveSync(this.stagePath(checksum, type), bytes, 0o644)) this.count(bytes.length);
  }

  /**
   * Stages a content object in this repo's mode (§1.2): `.filez` for archive, a real file with
   * `user.ostreemeta` for bare-user, a file with real ownership and xattrs for bare. File system
   * calls are synchronous (cheaper than a thread-pool round trip for small files); compression
   * and the copy of large files run off the main thread, so those return a promise the caller may
   * keep several of in flight. Anything else returns undefined, the object already staged.
   * A large file (`{ path }`) that no longer has the announced checksum and size when it is
   * copied fails with COMMIT_INPUT and stages nothing: no object ever holds bytes other than
   * those its name is the checksum of.
   */
  writeFile(checksum: Checksum, info: FileInfo, content: FileContent | null): Promise<void> | undefined {
    const path = this.stagePath(checksum, 'file');
    const symlink = isSymlinkMode(info.mode);
    if (!symlink && !content) throw new StoreError('INVALID_ARGUMENT', 'regular file without content');
    if (!symlink && 'path' in content! && this.repo.mode !== 'archive') {
      return this.copyLargeFile(checksum, info, content.path, path);
    }
    switch (this.repo.mode) {
      case 'archive': {
        const head = framedHeader(encodeArchiveHeader(info));
        if (symlink) {
          if (createExclusiveSync(path, head, 0o644)) this.count(head.length);
          return undefined;
        }
        this.inFlight.add(checksum);
        const done = 'bytes' in content!
          ? this.writeSmallFilez(path, head, content.bytes)
          : this.writeLargeFilez(checksum, info, path, head, content!.path);
        return done.finally(() => this.inFlight.delete(checksum));
      }
      default: {
        if (!stageBareFileSync(this.repo.mode, path, info, symlink ? null : (content as { bytes: Uint8Array }).bytes)) return undefined;
        this.count(info.size);
        return undefined;
      }
    }
  }

  private async writeSmallFilez(path: string, head: Buffer, bytes: Uint8Array): Promise<void> {
    this.workers ??= new ObjectWorkers();
    const written = await this.workers.writeFilez({ path, head, bytes, level: this.repo.zlibLevel });
    if (written >= 0) this.count(written);
  }

  /**
   * Compresses a large file into a `.filez` under a temporary name, hashing the very chunks it
   * compresses, and names it only if they are the bytes the caller hashed.
   */
  private async writeLargeFilez(checksum: Checksum, info: FileInfo, path: string, head: Buffer, source: string): Promise<void> {
    const temp = this.tempPath();
    const fd = openSync(temp, 'wx', 0o644);
    let staged = false;
    try {
      writeAll(fd, head);
      const read = await deflateFileParallel(source, fd, { level: this.repo.zlibLevel, hashPrefix: framedHeader(encodeFileHeader(info)) });
      if (read.size !== info.size || read.checksum !== checksum) throw changedWhileCommitted(source);
      renameSync(temp, path);
      staged = true;
    } finally {
      closeSync(fd);
      if (!staged) rmSync(temp, { force: true });
    }
    this.count(info.size);
  }

  /**
   * Bare modes: copies a large file (in a worker, so the walk goes on) under a temporary name,
   * hashing exactly the bytes written, and names it only if they are the bytes the caller hashed.
   */
  private async copyLargeFile(checksum: Checksum, info: FileInfo, source: string, path: string): Promise<void> {
    const temp = this.tempPath();
    // One thread is enough to take the few large files off the walk's thread.
    this.workers ??= new ObjectWorkers(1);
    this.inFlight.add(checksum);
    let staged = false;
    try {
      const copy = await this.workers.copyHashing({ source, dest: temp, head: framedHeader(encodeFileHeader(info)), mode: contentFileMode(this.repo.mode, info) });
      if (copy.size !== info.size || copy.checksum !== checksum) throw changedWhileCommitted(source);
      this.stageContentFile(temp, path, info);
      staged = true;
    } finally {
      this.inFlight.delete(checksum);
      if (!staged) rmSync(temp, { force: true });
    }
    this.count(info.size);
  }

  /**
   * @internal Bare modes: gives a complete content file `temp` (created with contentFileMode)
   * the ownership and attributes of `info` and renames it to the object path `path`.
   */
  stageContentFile(temp: string, path: string, info: FileInfo): void {
    if (this.repo.mode === 'bare-user') writeXattr(temp, 'user.ostreemeta', encodeBareUserMeta(info));
    if (this.repo.mode === 'bare') {
      chownSync(temp, info.uid, info.gid);
      writeXattrs(temp, info.xattrs);
      chmodSync(temp, info.mode & 0o7777);
    }
    renameSync(temp, path);
  }

  /** @internal the transaction's object workers, started on first use */
  objectWorkers(size?: number): ObjectWorkers {
    if (this.done) throw new StoreError('INVALID_ARGUMENT', 'write into a finished transaction');
    this.workers ??= new ObjectWorkers(size);
    return this.workers;
  }

  /** @internal A name in the staging folder for an object whose name is not yet known. */
  tempPath(): string {
    if (this.done) throw new StoreError('INVALID_ARGUMENT', 'write into a finished transaction');
    return join(this.dir, `partial-${this.tempSeq++}`);
  }

  /** @internal counts one staged object */
  count(bytes: number): void {
    this.stats.objectsWritten++;
    this.stats.bytesWritten += bytes;
  }

  /**
   * Makes every staged object durable and moves it into objects/, then applies `refs` (each a
   * compare-and-swap) while the repo's shared lock is still held, then drops the staging folder
   * and the locks. Commit objects move last, after everything they reach is in place and synced:
   * a crash between the two steps leaves only unreferenced objects, never a commit with holes
   * (ostree fsck checks every commit object, referenced or not). Whether it succeeds or fails,
   * the staging folder is gone and the locks are released when it returns.
   */
  async commit(opts: { refs?: readonly RefUpdate[] } = {}): Promise<TransactionStats> {
    this.finish();
    try {
      const objects = join(this.repo.path, 'objects');
      const staged: Array<{ sub: string; name: string }> = [];
      const subs = await fs.readdir(this.dir);
      for (const sub of subs) {
        for (const name of await fs.readdir(join(this.dir, sub))) staged.push({ sub, name });
      }
      // A few objects (a worktree commit, a small push) are synced one by one; many by syncfs.
      const fewObjects = staged.length <= FEW_OBJECTS;
      const durable = async (files: Array<{ sub: string; name: string }>, where: string): Promise<void> => {
        if (!this.repo.fsync) return;
        if (!fewObjects) return syncFilesystem(where);
        // The files, then their folders (which also makes symlink objects durable).
        await syncPaths(files.map(({ sub, name }) => join(where, sub, name)));
        await syncPaths(files.map(({ sub }) => join(where, sub)));
      };
      const durableRenames = async (files: Array<{ sub: string; name: string }>): Promise<void> => {
        if (!this.repo.fsync) return;
        if (!fewObjects) return syncFilesystem(objects);
        await syncPaths(files.map(({ sub }) => join(objects, sub)));
      };
      await durable(staged, this.dir);
      const created: string[] = [];
      for (const sub of subs) {
        const made = await fs.mkdir(join(objects, sub), { recursive: true });
        if (made !== undefined) created.push(sub);
      }
      if (fewObjects && this.repo.fsync && created.length > 0) await syncPaths([objects]);
      const isCommit = (name: string): boolean => name.endsWith('.commit') || name.endsWith('.commitmeta');
      const move = async ({ sub, name }: { sub: string; name: string }): Promise<void> => {
        await fs.rename(join(this.dir, sub, name), join(objects, sub, name));
      };
      const others = staged.filter((o) => !isCommit(o.name));
      await forEachLimit(others, 16, move);
      const commits = staged.filter((o) => isCommit(o.name));
      if (commits.length > 0) {
        await durableRenames(others);
        await forEachLimit(commits, 16, move);
      }
      await durableRenames(commits.length > 0 ? commits : others);
      for (const update of opts.refs ?? []) await updateRef(this.repo, update);
      return this.stats;
    } finally {
      await this.cleanup();
    }
  }

  /** Drops everything staged and releases the locks. A no-op once commit() or abort() has cleaned up. */
  async abort(): Promise<void> {
    if (!this.done) this.finish();
    await this.cleanup();
  }

  /**
   * Removes the staging folder, then its lock file, then releases the locks, once. If the folder
   * cannot be removed it is left unlocked, and the next transaction's begin() removes it.
   */
  private async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    try {
      await fs.rm(this.dir, { recursive: true, force: true });
      await fs.rm(this.stagingLock.path, { force: true });
    } finally {
      try {
        await this.stagingLock.release();
      } finally {
        await this.lock.release();
      }
    }
  }

  private finish(): void {
    if (this.done) throw new StoreError('INVALID_ARGUMENT', 'transaction already finished');
    this.done = true;
    void this.workers?.close();
    this.workers = null;
  }
}


/**
 * Permission bits a bare-mode content file is created with: bare keeps 0600 until its real owner
 * and mode are set; bare-user keeps the real mode in user.ostreemeta and must read its own objects.
 */
export function contentFileMode(mode: RepoMode, info: FileInfo): number {
  return mode === 'bare' ? 0o600 : mode === 'bare-user' ? (info.mode & 0o775) | 0o400 : info.mode & 0o775;
}

/** The one-line refusal when a file's bytes changed between being hashed and being copied. */
function changedWhileCommitted(path: string): StoreError {
  return new StoreError('COMMIT_INPUT', `file changed while it was being committed: ${path}`, { path });
}
