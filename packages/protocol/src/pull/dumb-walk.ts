import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Checksum, type Commit, type ObjectType, type Repo, type Transaction, MAX_METADATA_SIZE, StoreError, commitParents, decodeCommit, decodeDirTree,
  isCommitPartial, markCommitPartial, verifyMetadataObject,
} from '@osgit/store';
import { ProtocolError } from '../errors.js';
import type { Body, HttpClient } from '../transport/http-client.js';
import { objectPath, urlFor } from './dumb-layout.js';
import type { PullProgress, ProgressSink } from './progress.js';
import { TaskQueue } from './task-queue.js';
import type { CommitGate } from './verify-commits.js';

export interface DumbWalkOptions {
  repo: Repo;
  tx: Transaction;
  http: HttpClient;
  /** base URL of the objects (the remote's contenturl, else its url) */
  objectsUrl: string;
  depth: number;
  commitMetadataOnly: boolean;
  connections: number;
  signal: AbortSignal;
  onProgress?: ProgressSink;
  /** trust checks of each fetched commit, before it is written (verify-commits.ts) */
  gate?: CommitGate;
}

/** Store errors that mean "the remote sent a bad object" rather than "our disk failed". */
const BAD_OBJECT_CODES = new Set(['OBJECT_CORRUPT', 'UNSAFE_TREE', 'UNSAFE_PATH', 'GVARIANT_NOT_NORMAL', 'GVARIANT_BAD_VALUE']);

/** Content objects are as large as the files they hold; this bound only stops an endless body. */
const MAX_CONTENT_SIZE = 2 ** 40;
/**
 * Bodies over this size are spooled to a file in the repo's tmp/, so 64 requests in flight hold
 * at most 64 MiB (a rootfs's median object is a few KiB: in practice a few MiB). The store
 * verifies a larger `.filez` in a worker anyway, which reads a file without the copy a buffer
 * posted to it costs.
 */
const SPOOL_OVER = 1024 * 1024;

/**
 * The object walk of a dumb pull (reference/ostree-formats.md §5.1, phase 2): for each commit,
 * its detached metadata (optional) then the commit; every parent (OSTree's `parent` and a merge's
 * `osgit.merge-parents`) down to `depth` parent steps, counted as the shortest distance from a
 * wanted commit (a parent the remote lacks is where that line of history ends); for a commit that is new or still marked partial, its tree:
 * dirmeta, dirtree, and every file the repository (or this transaction) lacks. Dirtrees present
 * locally are read locally and their children checked, so an interrupted pull resumes where it
 * stopped. Requests run `connections` at a time, metadata first. Every object goes through
 * tx.writeReceivedObject, which verifies it completely before staging it.
 */
export class DumbWalk {
  /** commits whose whole tree this walk fetched or found: their partial markers can go */
  readonly completed: Checksum[] = [];
  /** commits this walk marked partial (a refused pull removes the markers of those it did not keep) */
  readonly marked: Checksum[] = [];
  private readonly queue: TaskQueue;
  private readonly requested = new Set<string>();
  /** each commit's shortest distance from a wanted commit so far */
  private readonly levels = new Map<Checksum, number>();
  /** parents of the commits read so far (absent while one is being fetched) */
  private readonly parents = new Map<Checksum, Checksum[]>();
  private readonly progress: PullProgress = { phase: 'metadata', objects: 0, bytes: 0, objectsKnown: 0, bytesEstimate: 0 };
  private lastReport = 0;

  constructor(private readonly o: DumbWalkOptions) {
    this.queue = new TaskQueue(o.connections);
  }

  get objects(): number {
    return this.progress.objects;
  }

  get bytes(): number {
    return this.progress.bytes;
  }

  /** Walks from `commits` (with their sizes when the summary gave them); rejects with the first failure once nothing runs. */
  async run(commits: ReadonlyArray<{ commit: Checksum; commitSize?: number }>): Promise<void> {
    const onAbort = (): void => this.queue.fail(this.o.signal.reason);
    this.o.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (const c of commits) this.push(() => this.commit(c.commit, 0, c.commitSize), 'high');
      await this.queue.idle();
    } finally {
      this.o.signal.removeEventListener('abort', onAbort);
    }
    this.report(true);
  }

  private push(task: () => Promise<void>, priority: 'high' | 'low'): void {
    this.queue.push(task, priority);
  }

  private once(type: Exclude<ObjectType, 'commit'>, checksum: Checksum): boolean {
    const key = type + checksum;
    if (this.requested.has(key)) return false;
    this.requested.add(key);
    return true;
  }

  /**
   * Requests run concurrently, so a commit may first be reached by a longer path: reaching it
   * again closer to a want re-walks its parents with the shorter distance (it is fetched once).
   */
  private async commit(checksum: Checksum, level: number, size?: number): Promise<void> {
    const had = this.levels.get(checksum);
    if (had !== undefined && had <= level) return;
    this.levels.set(checksum, level);
    if (had !== undefined) {
      // Fetched (then walk its parents again from here) or being fetched (which walks them with this level).
      if (this.parents.has(checksum)) this.pushParents(checksum);
      return;
    }
    const { repo } = this.o;
    let c: Commit;
    let partial: boolean;
    if (repo.hasObjectSync(checksum, 'commit')) {
      c = this.decodeCommit(checksum, repo.readMetadataBytesSync(checksum, 'commit'));
      partial = await isCommitPartial(repo, checksum);
    } else {
      this.known(2);
      const meta = await this.fetch(checksum, 'commitmeta', { optional: true });
      const fetched = await this.fetch(checksum, 'commit', { optional: level > 0, maxBytes: size ?? MAX_METADATA_SIZE });
      if (!fetched) return; // a parent the remote does not have: its history ends here
      // Verified (its merge parents too) before the marker and the write, so a bad commit leaves nothing behind.
      this.verified(checksum, 'commit', () => verifyMetadataObject(checksum, 'commit', fetched));
      c = this.decodeCommit(checksum, fetched);
      // Signatures, ref binding and downgrade: a commit refused here is never written.
      await this.o.gate?.checkFetched(checksum, fetched, meta);
      if (meta) await this.store(checksum, 'commitmeta', meta);
      await markCommitPartial(repo, checksum);
      this.marked.push(checksum);
      await this.store(checksum, 'commit', fetched);
      partial = true;
    }
    this.parents.set(checksum, this.verified(checksum, 'commit', () => commitParents(c, checksum)));
    this.pushParents(checksum);
    if (!partial || this.o.commitMetadataOnly) return;
    this.completed.push(checksum);
    this.pushDirMeta(c.rootMeta);
    this.pushDirTree(c.rootTree);
  }

  /** The commit, with its parents checked (a malformed osgit.merge-parents is a bad object). */
  private decodeCommit(checksum: Checksum, bytes: Uint8Array): Commit {
    const c = this.verified(checksum, 'commit', () => decodeCommit(bytes, `commit ${checksum}`));
    this.verified(checksum, 'commit', () => commitParents(c, checksum));
    return c;
  }

  /** Requests the parents of a read commit when its level is within depth. */
  private pushParents(checksum: Checksum): void {
    const level = this.levels.get(checksum)!;
    if (this.o.depth >= 0 && level >= this.o.depth) return;
    for (const parent of this.parents.get(checksum)!) this.push(() => this.commit(parent, level + 1), 'high');
  }

  private pushDirMeta(checksum: Checksum): void {
    if (!this.once('dirmeta', checksum) || this.o.tx.hasSync(checksum, 'dirmeta')) return;
    this.known(1);
    this.push(async () => {
      await this.store(checksum, 'dirmeta', (await this.fetch(checksum, 'dirmeta'))!);
    }, 'high');
  }

  private pushDirTree(checksum: Checksum): void {
    if (!this.once('dirtree', checksum)) return;
    this.push(() => this.dirTree(checksum), 'high');
  }

  private async dirTree(checksum: Checksum): Promise<void> {
    const { repo, tx } = this.o;
    let bytes: Uint8Array;
    if (repo.hasObjectSync(checksum, 'dirtree')) {
      bytes = repo.readMetadataBytesSync(checksum, 'dirtree');
    } else {
      this.known(1);
      bytes = (await this.fetch(checksum, 'dirtree'))!;
      await this.store(checksum, 'dirtree', bytes);
    }
    const tree = this.verified(checksum, 'dirtree', () => decodeDirTree(bytes, `dirtree ${checksum}`));
    for (const f of tree.files) {
      if (!this.once('file', f.checksum) || tx.hasSync(f.checksum, 'file')) continue;
      this.known(1);
      this.push(() => this.file(f.checksum), 'low');
    }
    for (const d of tree.dirs) {
      this.pushDirMeta(d.meta);
      this.pushDirTree(d.tree);
    }
  }

  private async file(checksum: Checksum): Promise<void> {
    if (this.progress.phase === 'metadata') this.progress.phase = 'content';
    const body = await this.fetchBody(checksum, 'file', { maxBytes: MAX_CONTENT_SIZE, spool: true });
    try {
      await this.store(checksum, 'file', 'bytes' in body ? body.bytes : { path: body.path });
    } finally {
      if ('path' in body) await rm(body.path, { force: true });
    }
  }

  /** The object's bytes, or null when `optional` and the remote does not have it. */
  private async fetch(checksum: Checksum, type: ObjectType, opts: { optional?: boolean; maxBytes?: number } = {}): Promise<Uint8Array | null> {
    const body = await this.fetchBody(checksum, type, { maxBytes: opts.maxBytes ?? MAX_METADATA_SIZE, optional: opts.optional ?? false });
    if (body === null) return null;
    if (!('bytes' in body)) throw new Error('a metadata body was spooled'); // spool is off for metadata
    return body.bytes;
  }

  private async fetchBody(checksum: Checksum, type: ObjectType, opts: { maxBytes: number; spool: true }): Promise<Body>;
  private async fetchBody(checksum: Checksum, type: ObjectType, opts: { maxBytes: number; optional: boolean }): Promise<Body | null>;
  private async fetchBody(checksum: Checksum, type: ObjectType, opts: { maxBytes: number; optional?: boolean; spool?: boolean }): Promise<Body | null> {
    const url = urlFor(this.o.objectsUrl, objectPath(checksum, type));
    const res = await this.o.http.get(url, {
      maxBytes: opts.maxBytes,
      signal: this.o.signal,
      ...(opts.spool ? { spoolDir: join(this.o.repo.path, 'tmp'), spoolOver: SPOOL_OVER } : {}),
    });
    if (!res.found) {
      if (opts.optional) return null;
      throw new ProtocolError('HTTP_STATUS', `${url}: the remote does not have ${type} ${checksum} (HTTP ${res.status})`, { url, status: res.status, checksum, type });
    }
    const size = 'bytes' in res.body ? res.body.bytes.length : res.body.size;
    this.progress.bytes += size;
    return res.body;
  }

  /** Verifies and stages one received object; a bad one is BAD_OBJECT naming it. */
  private async store(checksum: Checksum, type: ObjectType, data: Uint8Array | { path: string }): Promise<void> {
    try {
      await this.o.tx.writeReceivedObject(checksum, type, data);
    } catch (err) {
      throw badObject(err, checksum, type, urlFor(this.o.objectsUrl, objectPath(checksum, type)));
    }
    this.progress.objects++;
    this.report(false);
  }

  private verified<T>(checksum: Checksum, type: ObjectType, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw badObject(err, checksum, type, urlFor(this.o.objectsUrl, objectPath(checksum, type)));
    }
  }

  private known(n: number): void {
    this.progress.objectsKnown! += n;
  }

  /** Progress at most every 100 ms (and at the end), so a fast pull does not spend its time drawing. */
  private report(final: boolean): void {
    const sink = this.o.onProgress;
    if (!sink) return;
    const now = Date.now();
    if (!final && now - this.lastReport < 100) return;
    this.lastReport = now;
    const p = this.progress;
    if (p.objects > 0) p.bytesEstimate = Math.round((p.bytes / p.objects) * Math.max(p.objectsKnown!, p.objects));
    sink({ ...p });
  }
}

function badObject(err: unknown, checksum: Checksum, type: ObjectType, url: string): unknown {
  if (err instanceof StoreError && BAD_OBJECT_CODES.has(err.code)) {
    return new ProtocolError('BAD_OBJECT', `${url}: the remote sent a bad ${type} object: ${err.message}`, { url, checksum, type, reason: err.code }, { cause: err });
  }
  return err;
}
