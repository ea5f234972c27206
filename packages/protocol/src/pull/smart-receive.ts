/**
 * Receives one pack into a transaction while it streams: each object must be the next one asked
 * for (type and checksum), and goes to tx.writeReceivedObject, which verifies it completely
 * before staging it. Large objects arrive in chunks and are spooled to a temporary file in the
 * repo's tmp/, never held whole. A bounded number of writes (and bytes) are in flight; past that
 * the reader stops pulling from the response, so the socket, not memory, absorbs a fast server.
 * Whatever happens, every write has settled when this returns or throws, so the caller may commit
 * the transaction to keep what was verified.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, type ObjectType, type Transaction } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { PackDecoder } from '../pack/decode-pack.js';
import { objectTypeOf, type TypeCode } from '../pack/records.js';
import type { ObjectRef } from '../smart/fetch-pack.js';

export interface ReceiveOptions {
  /**
   * Writes in flight at once (default 128, so the store's batches fill), and the bytes they may
   * hold (default 4 MiB: more buys no speed, the workers are the limit, and costs peak memory).
   */
  maxWrites?: number;
  maxBytesInFlight?: number;
  /** Largest object accepted. */
  maxObjectBytes?: number;
  /** Called once per verified object, with its size on the wire. */
  onObject?: (o: ObjectRef, bytes: number) => void;
  /** Called with the bytes of each metadata object of these types as it arrives. */
  keep?: { types: ReadonlySet<ObjectType>; fn: (o: ObjectRef, bytes: Buffer) => void };
  /** Called with the bytes of each object of these types BEFORE it is written; a throw refuses it (and ends the pack). */
  gate?: { types: ReadonlySet<ObjectType>; fn: (o: ObjectRef, bytes: Buffer) => Promise<void> };
}

/** Store refusals that mean "the server sent a bad object". */
const BAD_OBJECT_CODES = new Set(['OBJECT_CORRUPT', 'UNSAFE_TREE', 'UNSAFE_PATH', 'GVARIANT_NOT_NORMAL', 'GVARIANT_BAD_VALUE', 'GVARIANT_BAD_TYPE']);

/** An object asked for, with the size the plan announced for it (bounds what may arrive). */
export type ExpectedObject = ObjectRef & { size?: number };

/**
 * The most bytes an object planned at `size` may have on the wire: the plan's sizes are exact for
 * an archive server and, for a bare one, header plus content, which deflate exceeds only by its
 * framing of incompressible data (5 bytes per 64 KiB block). A server cannot fill the disk with
 * more than it announced.
 */
export function wireLimit(size: number | undefined, fallback: number): number {
  return size === undefined ? fallback : size + Math.ceil(size / 1000) + 1024;
}

/** Reads the pack in `body` (exactly the objects `expected`, in that order) into `tx`. */
export async function receivePack(tx: Transaction, body: AsyncIterable<Uint8Array> & { destroy?(): void }, expected: readonly ExpectedObject[], opts: ReceiveOptions = {}): Promise<void> {
  const maxWrites = opts.maxWrites ?? 128;
  const maxBytes = opts.maxBytesInFlight ?? 4 * 1024 * 1024;
  const maxObjectBytes = opts.maxObjectBytes ?? 4 * 1024 ** 3;
  const decoder = new PackDecoder({ maxObjectBytes });
  const inFlight = new Set<Promise<void>>();
  let bytesInFlight = 0;
  let failure: unknown;
  let index = 0;
  let large: { ref: ObjectRef; path: string; file: FileHandle; size: number; limit: number } | undefined;

  const tooLarge = (ref: ObjectRef, size: number): ProtocolError =>
    new ProtocolError('BAD_RESPONSE', `the server sent ${size}+ bytes for ${ref.type} ${ref.checksum}, more than its plan announced`, { checksum: ref.checksum, type: ref.type, size });

  const next = (t: TypeCode, c: Uint8Array): ObjectRef & { limit: number } => {
    const want = expected[index];
    const got = { type: objectTypeOf(t)!, checksum: Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('hex') };
    if (want === undefined || want.type !== got.type || want.checksum !== got.checksum) {
      throw new ProtocolError('BAD_OBJECT', `the server sent ${got.type} ${got.checksum} where ${want ? `${want.type} ${want.checksum}` : 'nothing more'} was asked for`, {
        checksum: got.checksum, type: got.type, expected: want?.checksum,
      });
    }
    index++;
    return { ...got, limit: wireLimit(want.size, maxObjectBytes) };
  };

  const start = (ref: ObjectRef, data: Buffer | { path: string }, size: number, cleanup?: () => Promise<void>): void => {
    bytesInFlight += size;
    const p = tx.writeReceivedObject(ref.checksum, ref.type, data).then(
      async () => {
        // A copy: the received bytes are a view of a whole network chunk, which would stay alive with them.
        if (opts.keep?.types.has(ref.type)) opts.keep.fn(ref, Buffer.isBuffer(data) ? Buffer.from(data) : await readFile(data.path));
        opts.onObject?.(ref, size);
      },
      (err: unknown) => {
        failure ??= badObject(err, ref);
      },
    ).finally(async () => {
      bytesInFlight -= size;
      inFlight.delete(p);
      await cleanup?.();
    });
    inFlight.add(p);
  };

  const room = async (): Promise<void> => {
    while (inFlight.size > 0 && (inFlight.size >= maxWrites || bytesInFlight >= maxBytes)) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
  };

  try {
    for await (const chunk of body) {
      decoder.push(chunk);
      for (let r = decoder.next(); r !== null; r = decoder.next()) {
        switch (r.k) {
          case 'h':
            if (r.objects !== expected.length) throw new ProtocolError('BAD_RESPONSE', `the pack announces ${r.objects} objects, ${expected.length} were asked for`);
            break;
          case 'o': {
            const ref = next(r.t, r.c);
            if (r.d.length > ref.limit) throw tooLarge(ref, r.d.length);
            if (opts.gate?.types.has(ref.type)) await opts.gate.fn({ type: ref.type, checksum: ref.checksum }, Buffer.from(r.d.buffer, r.d.byteOffset, r.d.byteLength));
            await room();
            start({ type: ref.type, checksum: ref.checksum }, Buffer.from(r.d.buffer, r.d.byteOffset, r.d.byteLength), r.d.length);
            break;
          }
          case 'b': {
            const ref = next(r.t, r.c);
            if (r.size !== null && r.size > ref.limit) throw tooLarge(ref, r.size);
            const path = join(tx.repo.path, 'tmp', `osgit-pack-${randomBytes(8).toString('hex')}`);
            large = { ref, path, file: await open(path, 'wx', 0o600), size: 0, limit: ref.limit };
            break;
          }
          case 'd':
            if (large!.size + r.d.length > large!.limit) throw tooLarge(large!.ref, large!.size + r.d.length);
            await large!.file.write(r.d);
            large!.size += r.d.length;
            break;
          case 'e': {
            const { path, file, size } = large!;
            const ref: ObjectRef = { type: large!.ref.type, checksum: large!.ref.checksum };
            large = undefined;
            await file.close();
            if (opts.gate?.types.has(ref.type)) {
              try {
                await opts.gate.fn(ref, await readFile(path));
              } catch (err) {
                await rm(path, { force: true });
                throw err;
              }
            }
            await room();
            start(ref, { path }, size, () => rm(path, { force: true }));
            break;
          }
          case 'refs':
          case 'end':
            break;
        }
      }
      if (failure !== undefined) throw failure;
    }
    decoder.finish();
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
  } catch (err) {
    body.destroy?.();
    await Promise.allSettled(inFlight);
    while (inFlight.size > 0) await Promise.allSettled(inFlight);
    throw failure ?? err;
  } finally {
    if (large) {
      await large.file.close().catch(() => undefined);
      await rm(large.path, { force: true });
    }
  }
}

/** A store refusal of a received object as BAD_OBJECT (other failures, e.g. a full disk, as they are). */
function badObject(err: unknown, ref: ObjectRef): unknown {
  if (err instanceof StoreError && (BAD_OBJECT_CODES.has(err.code) || err.code === 'INVALID_ARGUMENT')) {
    return new ProtocolError('BAD_OBJECT', `the server sent a bad ${ref.type} object ${ref.checksum}: ${err.message}`, { checksum: ref.checksum, type: ref.type, reason: err.code }, { cause: err });
  }
  return err;
}
