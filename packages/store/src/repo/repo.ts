import { promises as fs, lstatSync, openSync, fstatSync, readFileSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import { type Checksum, sha256Hex } from '../checksum.js';
import { KeyFile } from './keyfile.js';
import { type RepoMode, initialConfig, readCoreConfig } from './config.js';
import { type ObjectType, objectRelPath, MAX_METADATA_SIZE } from '../objects/object-type.js';
import { decodeCommit, type Commit } from '../objects/commit.js';
import { decodeDirTree, type DirTree } from '../objects/dirtree.js';
import { decodeDirMeta, type DirMeta } from '../objects/dirmeta.js';
import { atomicWriteFile } from '../fsio/atomic-write.js';
import { errnoOf, fsError } from '../fsio/fs-error.js';
import { readMarkerAt } from '../worktree/marker.js';
import { MARKER_NAME } from '../worktree/state.js';

/** Folders `ostree init` creates (§1). */
const INIT_DIRS = ['tmp', 'extensions', 'state', 'refs', 'refs/heads', 'refs/mirrors', 'refs/remotes', 'objects'];

export { MAX_METADATA_SIZE };

export interface InitOptions {
  mode: RepoMode;
  collectionId?: string;
}

/** An open OSTree repository. Reads are lock-free; writers go through a Transaction. */
export class Repo {
  readonly path: string;
  readonly config: KeyFile;
  readonly mode: RepoMode;
  readonly zlibLevel: number;
  readonly fsync: boolean;
  readonly disableXattrs: boolean;
  private readonly dirMetaCache = new Map<Checksum, DirMeta>();

  private constructor(path: string, config: KeyFile) {
    this.path = path;
    this.config = config;
    const core = readCoreConfig(config);
    this.mode = core.mode;
    this.zlibLevel = core.zlibLevel;
    this.fsync = core.fsync;
    this.disableXattrs = core.disableXattrs;
  }

  /**
   * Opens the repository at `path`: REPO_NOT_FOUND if there is no config file; if there is one
   * this user may not read, PERMISSION_DENIED; one that cannot be read otherwise or that OSTree
   * would refuse, REPO_CONFIG. Each names the path.
   */
  static async open(path: string): Promise<Repo> {
    const abs = resolve(path);
    let text: string;
    try {
      text = await fs.readFile(join(abs, 'config'), 'utf8');
    } catch (cause) {
      // Only a missing config means "no repository here"; one this user cannot read is a
      // repository they may not use, and saying "not found" would send them looking elsewhere.
      const errno = errnoOf(cause);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') {
        throw new StoreError('REPO_NOT_FOUND', `no osgit/OSTree repository at ${abs} (no config file; create one with 'osgit init')`, { path: abs }, { cause });
      }
      throw fsError(cause, { action: 'cannot read the repository config', path: join(abs, 'config'), code: 'REPO_CONFIG' });
    }
    try {
      return new Repo(abs, new KeyFile(text));
    } catch (err) {
      if (err instanceof StoreError && err.code === 'REPO_CONFIG') {
        throw new StoreError('REPO_CONFIG', `repository at ${abs}: ${err.message}`, { ...err.data, path: abs }, { cause: err });
      }
      throw err;
    }
  }

  /**
   * Creates a repository like `ostree init`: the same folders and config bytes. Refuses a path
   * that already holds a repository. Idempotent folder creation, config written atomically last.
   */
  static async init(path: string, opts: InitOptions): Promise<Repo> {
    const abs = resolve(path);
    try {
      await fs.access(join(abs, 'config'));
      throw new StoreError('REPO_EXISTS', `a repository already exists at ${abs}`, { path: abs });
    } catch (err) {
      if (err instanceof StoreError) throw err;
    }
    try {
      for (const d of INIT_DIRS) await fs.mkdir(join(abs, d), { recursive: true });
      await atomicWriteFile(join(abs, 'config'), initialConfig(opts.mode, opts.collectionId));
    } catch (err) {
      throw fsError(err, { action: 'cannot create a repository at', path: abs });
    }
    return Repo.open(abs);
  }

  /** Finds the repository for a command: explicit path, else $OSGIT_REPO, else upwards from cwd. */
  static async discover(explicit?: string, cwd = process.cwd()): Promise<Repo> {
    if (explicit) return Repo.open(explicit);
    if (process.env.OSGIT_REPO) return Repo.open(process.env.OSGIT_REPO);
    let dir = resolve(cwd);
    for (;;) {
      // Inside a worktree, its marker names the repository.
      const marker = readMarkerAt(dir);
      if (marker) return openMarkerRepo(marker.repo, join(dir, MARKER_NAME));
      for (const candidate of [dir, join(dir, 'repo'), join(dir, 'ostree', 'repo')]) {
        // A repository that is there but cannot be opened is reported, never skipped for another.
        if (await looksLikeRepo(candidate)) return Repo.open(candidate);
      }
      const up = resolve(dir, '..');
      if (up === dir) break;
      dir = up;
    }
    throw new StoreError('REPO_NOT_FOUND', 'no repository given: pass --repo PATH or set OSGIT_REPO', {});
  }

  objectPath(checksum: Checksum, type: ObjectType): string {
    return join(this.path, objectRelPath(checksum, type, this.mode));
  }

  hasObjectSync(checksum: Checksum, type: ObjectType): boolean {
    return lstatSync(this.objectPath(checksum, type), { throwIfNoEntry: false }) !== undefined;
  }

  async hasObject(checksum: Checksum, type: ObjectType): Promise<boolean> {
    try {
      await fs.lstat(this.objectPath(checksum, type));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Raw bytes of a metadata object, checked against its name. Synchronous: metadata objects are
   * small, and a direct read costs less than a thread-pool round trip.
   */
  readMetadataBytesSync(checksum: Checksum, type: ObjectType, opts: { verify?: boolean } = {}): Uint8Array {
    const path = this.objectPath(checksum, type);
    let bytes: Buffer;
    let fd: number | null = null;
    try {
      fd = openSync(path, 'r');
      const size = fstatSync(fd).size;
      if (size > MAX_METADATA_SIZE) {
        throw new StoreError('OBJECT_CORRUPT', `${type} ${checksum} is ${size} bytes, over the ${MAX_METADATA_SIZE}-byte limit`, { checksum, type });
      }
      bytes = readFileSync(fd);
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StoreError('OBJECT_MISSING', `${type} object ${checksum} is not in the repository`, { checksum, type }, { cause });
      }
      throw fsError(cause, { action: 'cannot read', path });
    } finally {
      if (fd !== null) closeSync(fd);
    }
    const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (opts.verify !== false && type !== 'commitmeta' && type !== 'tombstone-commit') {
      const actual = sha256Hex(u8);
      if (actual !== checksum) {
        throw new StoreError('OBJECT_CORRUPT', `corrupted ${type} object; checksum expected='${checksum}' actual='${actual}'`, { checksum, actual, type });
      }
    }
    return u8;
  }

  async readMetadataBytes(checksum: Checksum, type: ObjectType, opts: { verify?: boolean } = {}): Promise<Uint8Array> {
    return this.readMetadataBytesSync(checksum, type, opts);
  }

  readCommitSync(checksum: Checksum): Commit {
    const bytes = this.readMetadataBytesSync(checksum, 'commit');
    return decoded(checksum, 'commit', () => decodeCommit(bytes, `commit ${checksum}`));
  }

  readDirTreeSync(checksum: Checksum): DirTree {
    const bytes = this.readMetadataBytesSync(checksum, 'dirtree');
    return decoded(checksum, 'dirtree', () => decodeDirTree(bytes, `dirtree ${checksum}`));
  }

  readDirMetaSync(checksum: Checksum): DirMeta {
    const hit = this.dirMetaCache.get(checksum);
    if (hit) return hit;
    const bytes = this.readMetadataBytesSync(checksum, 'dirmeta');
    const meta = decoded(checksum, 'dirmeta', () => decodeDirMeta(bytes, `dirmeta ${checksum}`));
    if (this.dirMetaCache.size > 4096) this.dirMetaCache.clear();
    this.dirMetaCache.set(checksum, meta);
    return meta;
  }

  async readCommit(checksum: Checksum): Promise<Commit> {
    return this.readCommitSync(checksum);
  }

  async readDirTree(checksum: Checksum): Promise<DirTree> {
    return this.readDirTreeSync(checksum);
  }

  async readDirMeta(checksum: Checksum): Promise<DirMeta> {
    return this.readDirMetaSync(checksum);
  }

  /** Detached metadata (`.commitmeta`) of a commit, or null. */
  async readCommitMetaBytes(checksum: Checksum): Promise<Uint8Array | null> {
    try {
      return await this.readMetadataBytes(checksum, 'commitmeta', { verify: false });
    } catch (err) {
      if (err instanceof StoreError && err.code === 'OBJECT_MISSING') return null;
      throw err;
    }
  }
}

/** Decodes an object, naming it in any error: non-normal bytes become OBJECT_CORRUPT. */
export function decoded<T>(checksum: Checksum, type: ObjectType, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StoreError && err.code.startsWith('GVARIANT')) {
      throw new StoreError('OBJECT_CORRUPT', `corrupted ${type} object ${checksum}: ${err.message}`, { checksum, type }, { cause: err });
    }
    throw err;
  }
}

/** True when `dir` holds both `objects/` and `config`, the marks of a repository. */
/** The repository a worktree marker names; REPO_NOT_FOUND saying which marker when it is gone. */
async function openMarkerRepo(path: string, markerFile: string): Promise<Repo> {
  try {
    return await Repo.open(path);
  } catch (cause) {
    throw new StoreError(
      'REPO_NOT_FOUND',
      `the worktree marker ${markerFile} names the repository ${path}, which cannot be opened (${(cause as Error).message}); pass --repo, or remove the marker to use the folder as plain files`,
      { path: markerFile, repo: path },
      { cause },
    );
  }
}

async function looksLikeRepo(dir: string): Promise<boolean> {
  for (const name of ['objects', 'config']) {
    try {
      await fs.stat(join(dir, name));
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw fsError(cause, { action: 'cannot look for a repository at', path: join(dir, name), code: 'REPO_CONFIG' });
    }
  }
  return true;
}
