/**
 * A pack read from a byte stream (an HTTP body): records as they arrive, and objects assembled
 * from them. Reading is pulled by the consumer, so a slow consumer slows the stream down
 * (backpressure) instead of buffering it.
 */
import { checksumFromBytes, type Checksum, type ObjectType } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { PackDecoder, type PackDecoderOptions } from './decode-pack.js';
import { objectTypeOf, type HeaderRecord, type PackRecord, type RefsRecord } from './records.js';

/** Every record of the pack in `body`; throws BAD_RESPONSE when the stream ends before the pack does. */
export async function* readPackRecords(body: AsyncIterable<Uint8Array>, opts: PackDecoderOptions = {}): AsyncGenerator<PackRecord> {
  const decoder = new PackDecoder(opts);
  for await (const chunk of body) {
    decoder.push(chunk);
    for (let record = decoder.next(); record !== null; record = decoder.next()) yield record;
  }
  decoder.finish();
}

/** One object of a pack, whole. */
export interface PackObject { type: ObjectType; checksum: Checksum; bytes: Buffer }

export type PackItem =
  | { kind: 'header'; header: HeaderRecord }
  | { kind: 'object'; object: PackObject }
  | { kind: 'refs'; refs: RefsRecord };

/**
 * The pack's header, objects (large ones reassembled from their chunks, at most
 * `maxObjectBytes` each) and refs record, in stream order. Ends after the 'end' record.
 */
export async function* readPackObjects(body: AsyncIterable<Uint8Array>, opts: PackDecoderOptions = {}): AsyncGenerator<PackItem> {
  let large: { type: ObjectType; checksum: Checksum; parts: Buffer[] } | undefined;
  for await (const record of readPackRecords(body, opts)) {
    switch (record.k) {
      case 'h':
        yield { kind: 'header', header: record };
        break;
      case 'o':
        yield { kind: 'object', object: { type: typeOf(record.t), checksum: hexOf(record.c), bytes: asBuffer(record.d) } };
        break;
      case 'b':
        large = { type: typeOf(record.t), checksum: hexOf(record.c), parts: [] };
        break;
      case 'd':
        large!.parts.push(asBuffer(record.d));
        break;
      case 'e':
        yield { kind: 'object', object: { type: large!.type, checksum: large!.checksum, bytes: Buffer.concat(large!.parts) } };
        large = undefined;
        break;
      case 'refs':
        yield { kind: 'refs', refs: record };
        break;
      case 'end':
        break;
    }
  }
}

function typeOf(code: number): ObjectType {
  const type = objectTypeOf(code);
  // The decoder has checked the code already; this guards the invariant.
  if (type === undefined) throw new ProtocolError('BAD_RESPONSE', `unknown object type ${code}`);
  return type;
}

function hexOf(c: Uint8Array): Checksum {
  return checksumFromBytes(c, 'pack object');
}

function asBuffer(d: Uint8Array): Buffer {
  return Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}
