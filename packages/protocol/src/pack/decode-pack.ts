/**
 * Incremental, bounded decoding of a pack (see records.ts). Pure: bytes are pushed in as they
 * arrive and `next()` answers with a record or null ("need `needed` more bytes"). Everything the
 * peer could get wrong is a ProtocolError BAD_RESPONSE: a record over the size limit, bytes that
 * are not a record, records out of order, counts that do not add up, and a stream that ends
 * before its 'end' record ("truncated").
 */
import { Unpackr } from 'msgpackr';
import { ProtocolError } from '../errors.js';
import {
  DEFAULT_MAX_RECORD_BYTES, LENGTH_PREFIX_BYTES, MAX_CHUNK_BYTES, PACK_VERSION, objectTypeOf,
  type PackRecord, type PackRefUpdate, type TypeCode,
} from './records.js';

export interface PackDecoderOptions {
  /** The largest record accepted (its msgpack bytes); default: a 4 MiB object plus its keys. */
  maxRecordBytes?: number;
  /** The largest object accepted, 'o' or 'b' (default: no limit beyond the record limit for 'o'). */
  maxObjectBytes?: number;
  /** Accept one 'refs' record (push); a fetch pack never has one. */
  allowRefs?: boolean;
  /** The most ref updates one 'refs' record may carry. */
  maxRefUpdates?: number;
}

type State = 'header' | 'objects' | 'large' | 'done';

export class PackDecoder {
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  private readonly maxRecordBytes: number;
  private readonly maxObjectBytes: number;
  private readonly allowRefs: boolean;
  private readonly maxRefUpdates: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private state: State = 'header';
  private declaredObjects = 0;
  private objectsSeen = 0;
  /** Bytes a large object still has to get: announced size (or the object limit when unknown) minus chunks seen. */
  private largeRemaining = 0;
  private largeSizeKnown = true;
  private refsSeen = false;
  /** Total bytes consumed so far (for error messages and progress). */
  offset = 0;

  constructor(opts: PackDecoderOptions = {}) {
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.maxObjectBytes = opts.maxObjectBytes ?? Number.MAX_SAFE_INTEGER;
    this.allowRefs = opts.allowRefs ?? false;
    this.maxRefUpdates = opts.maxRefUpdates ?? 10_000;
  }

  /** Adds bytes received from the peer. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.state === 'done') throw this.bad('bytes after the end record');
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.buffered += chunk.length;
  }

  /** True once the 'end' record has been decoded. */
  get done(): boolean {
    return this.state === 'done';
  }

  /** How many more bytes the next record needs (0 when one can be decoded now). */
  get needed(): number {
    if (this.buffered < LENGTH_PREFIX_BYTES) return LENGTH_PREFIX_BYTES - this.buffered;
    const total = LENGTH_PREFIX_BYTES + this.peekLength();
    return Math.max(0, total - this.buffered);
  }

  /** The next record, or null when more bytes are needed. Throws BAD_RESPONSE on anything wrong. */
  next(): PackRecord | null {
    if (this.state === 'done' || this.buffered < LENGTH_PREFIX_BYTES) return null;
    const length = this.peekLength();
    if (length > this.maxRecordBytes) throw this.bad(`a record of ${length} bytes (the limit is ${this.maxRecordBytes})`);
    if (this.buffered < LENGTH_PREFIX_BYTES + length) return null;
    const bytes = this.take(LENGTH_PREFIX_BYTES + length).subarray(LENGTH_PREFIX_BYTES);
    let value: unknown;
    try {
      value = this.unpackr.unpack(bytes);
    } catch (err) {
      throw this.bad('a record that is not msgpack', err);
    }
    const record = this.check(value);
    this.offset += LENGTH_PREFIX_BYTES + length;
    return record;
  }

  /** The peer's stream ended: throws BAD_RESPONSE "truncated" unless the pack was complete. */
  finish(): void {
    if (this.state !== 'done') throw this.bad(`the pack is truncated (${this.objectsSeen} of ${this.declaredObjects} objects)`, undefined, true);
    if (this.buffered > 0) throw this.bad('bytes after the end record');
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= LENGTH_PREFIX_BYTES) return first.readUInt32BE(0);
    return Buffer.concat(this.chunks, LENGTH_PREFIX_BYTES).readUInt32BE(0);
  }

  /** Removes and returns the first `n` buffered bytes (copies only when they span chunks). */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0]!;
        const used = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, used);
        filled += used;
        if (used === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(used);
      }
    }
    this.buffered -= n;
    return out;
  }

  /** Checks a decoded value's shape and its place in the sequence; moves the state machine. */
  private check(value: unknown): PackRecord {
    if (!isPlainObject(value)) throw this.bad('a record that is not a map');
    const k = value.k;
    switch (this.state) {
      case 'header': {
        if (k !== 'h') throw this.bad(`a pack that does not start with a header (got ${describe(k)})`);
        if (value.v !== PACK_VERSION) throw this.bad(`a pack of version ${describe(value.v)} (this client reads ${PACK_VERSION})`);
        const objects = count(value.objects);
        const bytes = count(value.bytes);
        if (objects === undefined || bytes === undefined) throw this.bad('a header without counts');
        this.declaredObjects = objects;
        this.state = 'objects';
        return { k: 'h', v: PACK_VERSION, objects, bytes };
      }
      case 'objects':
        return this.checkTopLevel(value, k);
      case 'large': {
        if (k === 'd') {
          const d = value.d;
          if (!(d instanceof Uint8Array)) throw this.bad('a chunk without bytes');
          if (d.length > MAX_CHUNK_BYTES) throw this.bad(`a chunk of ${d.length} bytes (the limit is ${MAX_CHUNK_BYTES})`);
          if (d.length > this.largeRemaining) {
            throw this.bad(this.largeSizeKnown ? 'a large object longer than announced' : `an object over ${this.maxObjectBytes} bytes (the limit)`);
          }
          this.largeRemaining -= d.length;
          return { k: 'd', d };
        }
        if (k === 'e') {
          if (this.largeSizeKnown && this.largeRemaining !== 0) throw this.bad(`a large object ${this.largeRemaining} bytes shorter than announced`);
          this.state = 'objects';
          return { k: 'e' };
        }
        throw this.bad(`a ${describe(k)} record inside a large object`);
      }
      case 'done':
        throw this.bad('a record after the end record');
    }
  }

  private checkTopLevel(value: Record<string, unknown>, k: unknown): PackRecord {
    switch (k) {
      case 'o': {
        const { t, c } = this.objectFields(value);
        const d = value.d;
        if (!(d instanceof Uint8Array)) throw this.bad('an object record without bytes');
        if (d.length > this.maxObjectBytes) throw this.bad(`an object of ${d.length} bytes (the limit is ${this.maxObjectBytes})`);
        return { k: 'o', t, c, d };
      }
      case 'b': {
        const { t, c } = this.objectFields(value);
        const size = value.size === null ? null : count(value.size);
        if (size === undefined) throw this.bad('a large object whose size is neither a count nor null');
        if (size !== null && size > this.maxObjectBytes) throw this.bad(`an object of ${size} bytes (the limit is ${this.maxObjectBytes})`);
        this.largeSizeKnown = size !== null;
        this.largeRemaining = size ?? this.maxObjectBytes;
        this.state = 'large';
        return { k: 'b', t, c, size };
      }
      case 'refs': {
        if (!this.allowRefs) throw this.bad('a refs record in a fetch pack');
        if (this.refsSeen) throw this.bad('a second refs record');
        this.refsSeen = true;
        return { k: 'refs', updates: this.refUpdates(value.updates) };
      }
      case 'end': {
        const objects = count(value.objects);
        if (objects !== this.objectsSeen || objects !== this.declaredObjects) {
          throw this.bad(`an end record counting ${describe(value.objects)} objects (header ${this.declaredObjects}, received ${this.objectsSeen})`);
        }
        this.state = 'done';
        return { k: 'end', objects };
      }
      default:
        throw this.bad(`an unexpected ${describe(k)} record`);
    }
  }

  private objectFields(value: Record<string, unknown>): { t: TypeCode; c: Uint8Array } {
    const t = value.t;
    if (objectTypeOf(t) === undefined) throw this.bad(`an object of unknown type ${describe(t)}`);
    const c = value.c;
    if (!(c instanceof Uint8Array) || c.length !== 32) throw this.bad('an object without a 32-byte checksum');
    if (this.objectsSeen >= this.declaredObjects) throw this.bad(`more objects than the ${this.declaredObjects} announced`);
    this.objectsSeen += 1;
    return { t: t as TypeCode, c };
  }

  private refUpdates(value: unknown): PackRefUpdate[] {
    if (!Array.isArray(value) || value.length > this.maxRefUpdates) throw this.bad('a refs record without a bounded list of updates');
    return value.map((u: unknown) => {
      if (!isPlainObject(u) || typeof u.ref !== 'string' || u.ref.length === 0 || u.ref.length > 1024) throw this.bad('a ref update without a ref name');
      const old = u.old;
      if (old !== null && !(old instanceof Uint8Array && old.length === 32)) throw this.bad('a ref update whose old value is not a checksum or null');
      if (!(u.new instanceof Uint8Array && u.new.length === 32)) throw this.bad('a ref update whose new value is not a checksum');
      return { ref: u.ref, old, new: u.new };
    });
  }

  private bad(what: string, cause?: unknown, truncated = false): ProtocolError {
    return new ProtocolError('BAD_RESPONSE', `bad pack at byte ${this.offset}: ${what}`, { offset: this.offset, truncated }, { cause });
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && Object.getPrototypeOf(v) === Object.prototype;
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  if (typeof v === 'number') return String(v);
  return typeof v;
}
