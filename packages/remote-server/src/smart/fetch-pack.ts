/**
 * POST /osgit/v1/fetch/pack (see @osgit/protocol pack/): streams exactly the objects asked for,
 * in the order asked, as one pack. Every object is looked up before the first byte is sent, so
 * a missing one is a 404, not a cut stream; the header carries the exact object count and the
 * byte total as planned. Objects are read a few ahead of the one being written (small ones
 * whole, large ones as streams cut into chunk records) and written only as fast as the client
 * reads: memory stays at the read-ahead window whatever the size of the pack.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { openObjectForTransfer, readObjectForTransfer, transferSizeOf, type Repo } from '@osgit/store';
import { pack, type smart } from '@osgit/protocol';
import { mapInOrder } from './fetch-plan.js';

/** Objects read ahead of the one being written, and the most bytes they may hold. */
const READ_AHEAD_OBJECTS = 64;
const READ_AHEAD_BYTES = 16 * 1024 * 1024;
const SIZE_CONCURRENCY = 32;
/** Bytes the response may hold unsent before the writer waits for the client to read. */
const MAX_BUFFERED = 2 * 1024 * 1024;

type Sized = smart.ObjectRef & { size: number };
type Loaded = { kind: 'whole'; bytes: Buffer } | { kind: 'stream' };

/**
 * Sizes every object (OBJECT_MISSING, a 404, for one the repository lacks). Call before
 * answering: after it, only a read failure can cut the stream.
 */
export async function preparePack(repo: Repo, objects: readonly smart.ObjectRef[]): Promise<{ objects: Sized[]; bytes: number }> {
  const sized = await mapInOrder(objects, SIZE_CONCURRENCY, async (o) => ({ ...o, size: await transferSizeOf(repo, o.checksum, o.type) }));
  let bytes = 0;
  for (const o of sized) bytes += o.size;
  return { objects: sized, bytes };
}

/**
 * Writes the pack of `prepared` to `out`, waiting for 'drain' whenever `out` is full. Stops
 * (resolving) if `out` is destroyed, e.g. the client went away; rejects on a read failure, which
 * the caller answers by cutting the response (the client then sees a truncated pack).
 */
export async function writePack(repo: Repo, prepared: { objects: Sized[]; bytes: number }, out: Writable): Promise<void> {
  const { objects } = prepared;
  if (!(await write(out, pack.encodePackHeader({ objects: objects.length, bytes: prepared.bytes })))) return;
  // A window of reads in flight ahead of the writer, bounded in objects and in bytes.
  const pending = new Map<number, Promise<Loaded>>();
  let ahead = 0;
  let aheadBytes = 0;
  const fill = (from: number): void => {
    while (ahead < objects.length && ahead - from < READ_AHEAD_OBJECTS && (ahead === from || aheadBytes + objects[ahead]!.size <= READ_AHEAD_BYTES)) {
      const o = objects[ahead]!;
      if (o.size > pack.LARGE_OBJECT_THRESHOLD) {
        pending.set(ahead, Promise.resolve({ kind: 'stream' }));
      } else {
        const p = readObjectForTransfer(repo, o.checksum, o.type).then((bytes): Loaded => ({ kind: 'whole', bytes }));
        p.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
        pending.set(ahead, p);
        aheadBytes += o.size;
      }
      ahead++;
    }
  };
  try {
    for (let i = 0; i < objects.length; i++) {
      fill(i);
      const o = objects[i]!;
      const loaded = await pending.get(i)!;
      pending.delete(i);
      const checksum = Buffer.from(o.checksum, 'hex');
      if (loaded.kind === 'whole') {
        aheadBytes -= o.size;
        for (const record of pack.encodeObjectRecords(o.type, checksum, loaded.bytes)) {
          if (!(await write(out, record))) return;
        }
      } else if (!(await writeLargeObject(repo, o, checksum, out))) {
        return;
      }
    }
    await write(out, pack.encodePackEnd(objects.length));
  } finally {
    // Reads still in flight (the client left): let them finish unobserved.
    pending.clear();
  }
}

/** A large object as a start record, chunk records of its stream, and an end record. */
async function writeLargeObject(repo: Repo, o: Sized, checksum: Buffer, out: Writable): Promise<boolean> {
  const { size, stream } = await openObjectForTransfer(repo, o.checksum, o.type);
  try {
    if (!(await write(out, pack.encodeLargeObjectStart(o.type, checksum, size)))) return false;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (const record of pack.chunkRecords(chunk)) if (!(await write(out, record))) return false;
    }
    return write(out, pack.encodeLargeObjectEnd());
  } finally {
    stream.destroy();
  }
}

/**
 * Writes `bytes`; waits for 'drain' only once more than MAX_BUFFERED bytes wait in `out` (waiting
 * at every write past the stream's 16 KiB mark costs an event-loop turn per object). False once
 * `out` is closed (nothing more should be written).
 */
async function write(out: Writable, bytes: Buffer): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  out.write(bytes);
  if (out.writableLength <= MAX_BUFFERED) return true;
  const ac = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: ac.signal }), once(out, 'close', { signal: ac.signal })]);
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    ac.abort();
  }
  return !out.destroyed;
}
