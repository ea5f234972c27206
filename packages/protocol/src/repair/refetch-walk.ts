import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Checksum, type ObjectType, type Repo, type Transaction, MAX_METADATA_SIZE, StoreError, decodeCommit, decodeDirTree, markCommitPartial,
} from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { objectPath, urlFor } from '../pull/dumb-layout.js';
import type { HttpClient } from '../transport/http-client.js';
import type { RepairedObject, UnrepairedObject } from './repair-types.js';

export interface RefetchWalkOptions {
  repo: Repo;
  tx: Transaction;
  http: HttpClient;
  /** the remote's name (reported) and the base URL of its objects (contenturl, else url) */
  remote: string;
  objectsUrl: string;
  /** what the first fsck knew of each damaged object; anything else found absent is 'missing' */
  was: ReadonlyMap<string, 'corrupt' | 'missing'>;
  connections: number;
  signal?: AbortSignal;
  onObject?: (bytes: number) => void;
  /**
   * Checks fetched detached metadata against its commit before it is stored (a .commitmeta is not
   * named by its checksum, so a remote could send any): an error message refuses it. Set when
   * the remote has trusted keys; without, the metadata is stored as a pull would.
   */
  verifyDetached?: (commit: Checksum, commitBytes: Uint8Array, detached: Uint8Array) => Promise<string | null>;
  /** what walks of this repair (one per remote) found so far, so that no object is asked twice */
  seen: RefetchMemo;
}

/** Per object, whether it is (now) there: shared by the walks of one repair. */
export interface RefetchMemo {
  trees: Map<Checksum, Promise<boolean>>;
  metas: Map<Checksum, Promise<boolean>>;
  files: Map<Checksum, Promise<boolean>>;
}

export function newRefetchMemo(): RefetchMemo {
  return { trees: new Map(), metas: new Map(), files: new Map() };
}

/** Store errors that mean "the remote sent other bytes than the object named" (as in dumb-walk.ts). */
const BAD_OBJECT_CODES = new Set(['OBJECT_CORRUPT', 'UNSAFE_TREE', 'UNSAFE_PATH', 'GVARIANT_NOT_NORMAL', 'GVARIANT_BAD_VALUE']);
/** Transfer failures after which asking this remote for more is pointless. */
const REMOTE_DOWN_CODES = new Set(['NETWORK', 'STALLED', 'UNAUTHORIZED', 'FORBIDDEN']);
const MAX_CONTENT_SIZE = 2 ** 40;
const SPOOL_OVER = 1024 * 1024;

/**
 * Fetches, by OSTree's static object paths (reference/ostree-formats.md §5: every osgit serve and
 * every archive repository behind a web server answers them), exactly the objects that the given
 * commits need and that the repository (or this transaction) lacks: the commit itself (with its
 * detached metadata when that is absent too, optional as in a pull), the root dirmeta and dirtree,
 * and below every dirtree the children that are absent; a fetched dirtree names children that may
 * be absent too, so the walk goes on through it. Present dirtrees are read locally. Every object
 * goes through tx.writeReceivedObject, which verifies it completely (its checksum is the name we
 * asked for, so it is exactly as trusted as the commit the repository had): a server sending
 * other bytes is BAD_OBJECT, recorded, and the object stays absent. A failure is recorded per
 * object and the walk goes on; only a local error (disk) rejects.
 */
export class RefetchWalk {
  readonly repaired: RepairedObject[] = [];
  readonly unrepaired: UnrepairedObject[] = [];
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private down: ProtocolError | null = null;

  constructor(private readonly o: RefetchWalkOptions) {}

  /**
   * Completes `commit`; true when every object it reaches is now in the repository or staged.
   * Its .commitmeta is fetched when the commit is (optional, as in a pull: a commit without
   * detached metadata is normal) or when the first fsck found it corrupt (then required).
   */
  async commit(commit: Checksum): Promise<boolean> {
    const { repo, tx } = this.o;
    let bytes: Uint8Array;
    const metaDamaged = this.o.was.has(key(commit, 'commitmeta'));
    const metaWanted = (metaDamaged || !tx.hasSync(commit, 'commit')) && !tx.hasSync(commit, 'commitmeta');
    if (tx.hasSync(commit, 'commit')) {
      bytes = repo.readMetadataBytesSync(commit, 'commit');
    } else {
      // Marked before the commit object is written, as a pull does: a crash leaves it partial, never "complete" with holes.
      await markCommitPartial(repo, commit, 'fsck');
      const fetched = await this.fetch(commit, 'commit');
      if (!fetched) return false;
      bytes = fetched;
    }
    if (metaWanted) {
      const verify = this.o.verifyDetached;
      await this.fetch(commit, 'commitmeta', { optional: !metaDamaged, ...(verify ? { check: (meta) => verify(commit, bytes, meta) } : {}) });
    }
    const c = decodeCommit(bytes, `commit ${commit}`);
    const [meta, tree] = await Promise.all([this.dirMeta(c.rootMeta), this.dirTree(c.rootTree)]);
    return meta && tree;
  }

  private dirMeta(checksum: Checksum): Promise<boolean> {
    return memo(this.o.seen.metas, checksum, async () => this.o.tx.hasSync(checksum, 'dirmeta') || (await this.fetch(checksum, 'dirmeta')) !== null);
  }

  private dirTree(checksum: Checksum): Promise<boolean> {
    return memo(this.o.seen.trees, checksum, async () => {
      const { repo } = this.o;
      let bytes: Uint8Array | null;
      if (repo.hasObjectSync(checksum, 'dirtree')) bytes = repo.readMetadataBytesSync(checksum, 'dirtree');
      else bytes = await this.fetch(checksum, 'dirtree');
      if (!bytes) return false;
      const tree = decodeDirTree(bytes, `dirtree ${checksum}`);
      const parts: Array<Promise<boolean>> = [];
      for (const f of tree.files) parts.push(this.file(f.checksum));
      for (const d of tree.dirs) parts.push(this.dirMeta(d.meta), this.dirTree(d.tree));
      return (await Promise.all(parts)).every(Boolean);
    });
  }

  private file(checksum: Checksum): Promise<boolean> {
    return memo(this.o.seen.files, checksum, async () => this.o.tx.hasSync(checksum, 'file') || (await this.fetch(checksum, 'file')) !== null);
  }

  /**
   * Fetches, verifies and stages one object; its bytes (metadata) or an empty array (content),
   * or null when it could not be had (recorded in `unrepaired` unless `optional`).
   */
  private async fetch(
    checksum: Checksum, type: ObjectType, opts: { optional?: boolean; check?: (bytes: Uint8Array) => Promise<string | null> } = {},
  ): Promise<Uint8Array | null> {
    const url = urlFor(this.o.objectsUrl, objectPath(checksum, type));
    const was = this.o.was.get(key(checksum, type)) ?? 'missing';
    const fail = (code: string, message: string): null => {
      this.unrepaired.push({ checksum, type, was, remote: this.o.remote, code, message });
      return null;
    };
    if (this.down) return fail(this.down.code, `not asked: ${this.down.message}`);
    await this.slot();
    let spooled: string | null = null;
    try {
      const content = type === 'file';
      const res = await this.o.http.get(url, {
        maxBytes: content ? MAX_CONTENT_SIZE : MAX_METADATA_SIZE,
        ...(this.o.signal ? { signal: this.o.signal } : {}),
        ...(content ? { spoolDir: join(this.o.repo.path, 'tmp'), spoolOver: SPOOL_OVER } : {}),
      });
      if (!res.found) {
        if (opts.optional) return null;
        return fail('OBJECT_MISSING', `${url}: remote ${this.o.remote} does not have ${type} ${checksum} (HTTP ${res.status})`);
      }
      const body = res.body;
      if ('path' in body) spooled = body.path;
      const refusal = opts.check && 'bytes' in body ? await opts.check(body.bytes) : null;
      if (refusal) return fail('SIGNATURE_INVALID', `${url}: refused: ${refusal}`);
      await this.o.tx.writeReceivedObject(checksum, type, 'bytes' in body ? body.bytes : { path: body.path });
      this.repaired.push({ checksum, type, was, remote: this.o.remote });
      this.o.onObject?.('bytes' in body ? body.bytes.length : body.size);
      return 'bytes' in body ? body.bytes : new Uint8Array(0);
    } catch (err) {
      if (err instanceof StoreError && BAD_OBJECT_CODES.has(err.code)) {
        return fail('BAD_OBJECT', `${url}: remote ${this.o.remote} sent a bad ${type} object (refused): ${err.message}`);
      }
      if (err instanceof ProtocolError) {
        if (REMOTE_DOWN_CODES.has(err.code)) this.down ??= err;
        return fail(err.code, err.message);
      }
      if (this.o.signal?.aborted) return fail('ABORTED', `${url}: not fetched, the repair was stopped`);
      throw err;
    } finally {
      this.release();
      if (spooled) await rm(spooled, { force: true });
    }
  }

  /** At most `connections` requests in flight (the walk itself may fan out over a whole tree). */
  private async slot(): Promise<void> {
    if (this.running < this.o.connections) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes on
    else this.running--;
  }
}

export function key(checksum: Checksum, type: ObjectType | 'unknown'): string {
  return `${type}:${checksum}`;
}

function memo(map: Map<Checksum, Promise<boolean>>, checksum: Checksum, fn: () => Promise<boolean>): Promise<boolean> {
  let p = map.get(checksum);
  if (!p) {
    p = fn();
    map.set(checksum, p);
  }
  return p;
}
