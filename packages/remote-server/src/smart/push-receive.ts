import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksumFromBytes, verifyMetadataObject, type Checksum, type ObjectType, type Transaction } from '@osgit/store';
import { pack, ProtocolError, type PushReply } from '@osgit/protocol';

/** What a push stream has delivered so far; filled in as it goes, so it is known however the stream ends. */
export interface ReceiveState {
  received: number;
  stored: PushReply['stored'];
  storedBytes: number;
  /** commit objects received (staged or already present) */
  commits: Checksum[];
  updates: pack.PackRefUpdate[] | null;
  /**
   * `.commitmeta` pushed for commits that have one on the server already (checked as a{sv}, not
   * staged: detached metadata is rewritten in place; see push-commitmeta.ts for what is taken)
   */
  commitMeta: Map<Checksum, Uint8Array>;
  /** true once the pack's 'end' record was read */
  complete: boolean;
}

export function emptyReceiveState(): ReceiveState {
  return { received: 0, stored: [], storedBytes: 0, commits: [], updates: null, commitMeta: new Map(), complete: false };
}

export interface ReceiveOptions {
  maxObjectBytes: number;
  /** objects verified and staged at once (large ones are verified off the main thread) */
  concurrency?: number;
}

/**
 * Reads a push pack from `body` into `tx`: every object goes through tx.writeReceivedObject,
 * which verifies it completely before staging it (nothing unverified is ever staged). Objects
 * over the pack's large-object threshold arrive in chunks and are spooled to a temporary file
 * (never held whole in memory), then verified from it. Throws the first error (a bad object, a
 * malformed or truncated pack, a cut connection) after the writes in flight have settled; `state`
 * says what was received and staged up to then.
 */
export async function receivePack(tx: Transaction, body: AsyncIterable<Uint8Array>, state: ReceiveState, opts: ReceiveOptions): Promise<void> {
  const limit = opts.concurrency ?? 8;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let spool: { dir: string; path: string; file: fs.FileHandle; type: ObjectType; checksum: Checksum } | null = null;
  let spoolDir: string | null = null;
  let spoolBytes = 0;

  const write = (type: ObjectType, checksum: Checksum, data: Uint8Array | { path: string }, after?: () => Promise<void>): Promise<void> => {
    const stored = type === 'commitmeta' && tx.repo.hasObjectSync(checksum, 'commitmeta')
      ? replacementMeta(checksum, data, state).then(() => 0)
      : tx.writeReceivedObject(checksum, type, data);
    const p = stored.then(
      (bytes) => {
        state.received++;
        if (type === 'commit') state.commits.push(checksum);
        if (bytes > 0) {
          state.stored.push([type, checksum]);
          state.storedBytes += bytes;
        }
      },
      (err: unknown) => {
        failure ??= err;
      },
    ).finally(async () => {
      inFlight.delete(p);
      await after?.();
    });
    inFlight.add(p);
    return p;
  };

  try {
    // Object sizes are checked here rather than by the decoder, so that they are TOO_LARGE (413).
    for await (const record of pack.readPackRecords(body, { allowRefs: true })) {
      if (failure) break;
      switch (record.k) {
        case 'o':
          if (record.d.length > opts.maxObjectBytes) throw tooLarge(record.d.length, opts.maxObjectBytes);
          write(typeOf(record.t), checksumFromBytes(record.c, 'pushed object'), record.d);
          break;
        case 'b': {
          if (record.size !== null && record.size > opts.maxObjectBytes) throw tooLarge(record.size, opts.maxObjectBytes);
          spoolBytes = 0;
          spoolDir ??= await fs.mkdtemp(join(tmpdir(), 'osgit-push-'));
          const path = join(spoolDir, `${state.received + inFlight.size}`);
          spool = { dir: spoolDir, path, file: await fs.open(path, 'wx', 0o600), type: typeOf(record.t), checksum: checksumFromBytes(record.c, 'pushed object') };
          break;
        }
        case 'd':
          spoolBytes += record.d.length;
          if (spoolBytes > opts.maxObjectBytes) throw tooLarge(spoolBytes, opts.maxObjectBytes);
          await spool!.file.write(record.d);
          break;
        case 'e': {
          const s = spool!;
          spool = null;
          await s.file.close();
          write(s.type, s.checksum, { path: s.path }, () => fs.rm(s.path, { force: true }));
          break;
        }
        case 'refs':
          state.updates = record.updates;
          break;
        case 'end':
          state.complete = true;
          break;
        case 'h':
          break;
      }
      // Backpressure: stop reading the body while enough objects are being verified.
      while (inFlight.size >= limit) await Promise.race(inFlight);
    }
  } catch (err) {
    failure ??= err;
  } finally {
    await Promise.allSettled([...inFlight]);
    if (spool) await spool.file.close().catch(() => undefined);
    if (spoolDir) await fs.rm(spoolDir, { recursive: true, force: true });
  }
  if (failure) throw failure;
}

/** Keeps the bytes of a `.commitmeta` the server already has a version of, once they parse as a{sv}. */
async function replacementMeta(checksum: Checksum, data: Uint8Array | { path: string }, state: ReceiveState): Promise<void> {
  const bytes = data instanceof Uint8Array ? data : await fs.readFile(data.path);
  verifyMetadataObject(checksum, 'commitmeta', bytes);
  state.commitMeta.set(checksum, bytes);
}

function tooLarge(size: number, limit: number): ProtocolError {
  return new ProtocolError('TOO_LARGE', `a pushed object of ${size} bytes or more is over the server's limit of ${limit} bytes`, { limit });
}

function typeOf(code: number): ObjectType {
  const type = pack.objectTypeOf(code);
  if (type === undefined) throw new ProtocolError('BAD_RESPONSE', `unknown object type ${code}`);
  return type;
}
