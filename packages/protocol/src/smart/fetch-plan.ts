/**
 * POST /osgit/v1/fetch/plan: the client names the commits it wants and the commits it has; the
 * server answers with every object the wanted commits reach that the client lacks (subtrees of
 * the have commits skipped), each with its transfer size, and the totals, so the client can filter
 * out what it already has (resuming for free) and knows the size of the transfer before it starts.
 *
 *   request:  { want: [checksum32...], have: [checksum32...], depth: int >= -1, commitMetadataOnly: bool }
 *   response: { objects: [[typeCode, checksum32, transferSize]...], totals: { objects, bytes } }
 */
import { checksumFromBytes, checksumToBytes, type Checksum, type ObjectType } from '@osgit/store';
import { objectTypeOf, typeCodeOf } from '../pack/records.js';
import { badBody, decodeMsgpack, encodeMsgpack, isChecksumBytes, isCount, isPlainMap, tooLarge } from './msgpack.js';

/** Bounds a server enforces on a plan request (and a client on its own request). */
export const MAX_WANTS = 1024;
export const MAX_HAVES = 4096;
/** Bounds a client enforces on a plan response: far more objects than an OS tree has (~100k). */
export const MAX_PLAN_OBJECTS = 4_000_000;

export interface FetchPlanRequest {
  want: Checksum[];
  have: Checksum[];
  /** Parents to follow from each wanted commit: 0 the commit only, -1 all. */
  depth: number;
  commitMetadataOnly: boolean;
}

export interface PlannedObject { type: ObjectType; checksum: Checksum; size: number }

export interface FetchPlan {
  objects: PlannedObject[];
  totals: { objects: number; bytes: number };
}

const REQ = 'fetch plan request';
const RES = 'fetch plan response';

export function writeFetchPlanRequest(req: FetchPlanRequest): Buffer {
  return encodeMsgpack({
    want: req.want.map(checksumToBytes),
    have: req.have.map(checksumToBytes),
    depth: req.depth,
    commitMetadataOnly: req.commitMetadataOnly,
  });
}

/** Server side. BAD_RESPONSE (400) for a body that is not a plan request, TOO_LARGE over the bounds. */
export function parseFetchPlanRequest(body: Uint8Array): FetchPlanRequest {
  const v = decodeMsgpack(body, REQ);
  if (!isPlainMap(v)) throw badBody(REQ, 'not a map');
  const want = checksumList(v.want, 'want', MAX_WANTS);
  if (want.length === 0) throw badBody(REQ, 'no commit wanted');
  const have = v.have === undefined ? [] : checksumList(v.have, 'have', MAX_HAVES);
  const depth = v.depth === undefined ? 0 : v.depth;
  if (typeof depth !== 'number' || !Number.isSafeInteger(depth) || depth < -1) throw badBody(REQ, 'depth is not an integer >= -1');
  const commitMetadataOnly = v.commitMetadataOnly === undefined ? false : v.commitMetadataOnly;
  if (typeof commitMetadataOnly !== 'boolean') throw badBody(REQ, 'commitMetadataOnly is not a boolean');
  return { want, have, depth, commitMetadataOnly };
}

export function writeFetchPlanResponse(plan: FetchPlan): Buffer {
  return encodeMsgpack({
    objects: plan.objects.map((o) => [typeCodeOf(o.type), checksumToBytes(o.checksum), o.size]),
    totals: plan.totals,
  });
}

/** Client side. BAD_RESPONSE for anything but a well-formed plan whose totals add up. */
export function parseFetchPlanResponse(body: Uint8Array): FetchPlan {
  const v = decodeMsgpack(body, RES);
  if (!isPlainMap(v) || !Array.isArray(v.objects) || !isPlainMap(v.totals)) throw badBody(RES, 'not a plan');
  if (v.objects.length > MAX_PLAN_OBJECTS) throw badBody(RES, `${v.objects.length} objects`);
  let bytes = 0;
  const objects = v.objects.map((entry: unknown): PlannedObject => {
    if (!Array.isArray(entry) || entry.length !== 3) throw badBody(RES, 'an entry that is not [type, checksum, size]');
    const [t, c, size] = entry as [unknown, unknown, unknown];
    const type = objectTypeOf(t);
    if (type === undefined) throw badBody(RES, `unknown object type ${String(t)}`);
    if (!isChecksumBytes(c)) throw badBody(RES, 'a checksum that is not 32 bytes');
    if (!isCount(size)) throw badBody(RES, 'a size that is not a count');
    bytes += size;
    return { type, checksum: checksumFromBytes(c, RES), size };
  });
  const { objects: nObjects, bytes: nBytes } = v.totals;
  if (nObjects !== objects.length || nBytes !== bytes) throw badBody(RES, 'totals that do not add up');
  return { objects, totals: { objects: objects.length, bytes } };
}

function checksumList(v: unknown, name: string, max: number): Checksum[] {
  if (!Array.isArray(v)) throw badBody(REQ, `${name} is not a list`);
  if (v.length > max) throw tooLarge(REQ, `${v.length} ${name} checksums (the limit is ${max})`);
  return v.map((c: unknown) => {
    if (!isChecksumBytes(c)) throw badBody(REQ, `${name} has a checksum that is not 32 bytes`);
    return checksumFromBytes(c, REQ);
  });
}
