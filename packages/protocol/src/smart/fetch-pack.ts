/**
 * POST /osgit/v1/fetch/pack: the client names the objects it wants, in the order it wants them;
 * the server streams a pack (../pack/) of exactly those, in that order.
 *
 *   request: { objects: [[typeCode, checksum32]...] }
 */
import { checksumFromBytes, checksumToBytes, type Checksum, type ObjectType } from '@osgit/store';
import { objectTypeOf, typeCodeOf } from '../pack/records.js';
import { badBody, decodeMsgpack, encodeMsgpack, isChecksumBytes, isPlainMap, tooLarge } from './msgpack.js';

/** Objects one pack request may name; a client asks for more in several requests. */
export const MAX_PACK_REQUEST_OBJECTS = 500_000;

export interface ObjectRef { type: ObjectType; checksum: Checksum }

const REQ = 'fetch pack request';

export function writePackRequest(objects: readonly ObjectRef[]): Buffer {
  return encodeMsgpack({ objects: objects.map((o) => [typeCodeOf(o.type), checksumToBytes(o.checksum)]) });
}

/** Server side. BAD_RESPONSE (400) for a body that is not a pack request, TOO_LARGE over the bound. */
export function parsePackRequest(body: Uint8Array, max = MAX_PACK_REQUEST_OBJECTS): ObjectRef[] {
  const v = decodeMsgpack(body, REQ);
  if (!isPlainMap(v) || !Array.isArray(v.objects)) throw badBody(REQ, 'not a map with a list of objects');
  if (v.objects.length > max) throw tooLarge(REQ, `${v.objects.length} objects (the limit is ${max})`);
  return v.objects.map((entry: unknown) => {
    if (!Array.isArray(entry) || entry.length !== 2) throw badBody(REQ, 'an entry that is not [type, checksum]');
    const type = objectTypeOf(entry[0]);
    if (type === undefined) throw badBody(REQ, `unknown object type ${String(entry[0])}`);
    if (!isChecksumBytes(entry[1])) throw badBody(REQ, 'a checksum that is not 32 bytes');
    return { type, checksum: checksumFromBytes(entry[1], REQ) };
  });
}
