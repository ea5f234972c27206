/**
 * The push side of the smart protocol (DESIGN §5), bodies only (pure):
 *
 *   POST /osgit/v1/push/missing   request  msgpack { objects: [[typeCode, checksum32]...] }
 *                                 response msgpack { objects: [[typeCode, checksum32]...] }  (those the server lacks)
 *   POST /osgit/v1/push[?force=1] request  a pack (../pack/) whose 'refs' record carries the
 *                                          updates { ref, old: checksum32|null, new: checksum32 }
 *                                 response JSON PushReply (also on refusal, beside `error`)
 *
 * Both requests carry `Authorization: Bearer TOKEN`. `force=1` asks for non-fast-forward updates;
 * the server allows them only with a token that has the `force` operation.
 */
import { isChecksum, type Checksum, type ObjectType } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { parsePackRequest, writePackRequest, type ObjectRef } from '../smart/fetch-pack.js';

/** Objects the client asks about in one /push/missing request. */
export const MISSING_BATCH = 10_000;
/** The most a server answers about in one request (a client batching by MISSING_BATCH stays well below). */
export const MAX_MISSING_REQUEST = 100_000;

export function writeMissingRequest(objects: readonly ObjectRef[]): Buffer {
  return writePackRequest(objects);
}

/** Server side: BAD_RESPONSE (400) for a body that is not a list of objects, TOO_LARGE over the bound. */
export function parseMissingRequest(body: Uint8Array): ObjectRef[] {
  return parsePackRequest(body, MAX_MISSING_REQUEST);
}

export function writeMissingResponse(missing: readonly ObjectRef[]): Buffer {
  return writePackRequest(missing);
}

/** Client side: the objects the server lacks; each must be one the client asked about. */
export function parseMissingResponse(body: Uint8Array, asked: readonly ObjectRef[]): ObjectRef[] {
  const missing = parsePackRequest(body, MAX_MISSING_REQUEST);
  const keys = new Set(asked.map((o) => o.type + o.checksum));
  for (const o of missing) {
    if (!keys.has(o.type + o.checksum)) throw new ProtocolError('BAD_RESPONSE', `push/missing answered about ${o.type} ${o.checksum}, which was not asked about`);
  }
  return missing;
}

/** What happened to one ref of a push. */
export type RefOutcomeStatus = 'created' | 'fast-forward' | 'forced' | 'unchanged' | 'rejected' | 'conflict' | 'not-attempted';

export interface RefOutcome {
  ref: string;
  old: Checksum | null;
  new: Checksum;
  status: RefOutcomeStatus;
  /** why, when the ref did not move */
  message?: string;
}

/**
 * The server's account of a push, sent whether it succeeded or not: what it received and kept
 * (so nothing is silently lost: `stored` lists every object this push added to the repository,
 * durable when the reply is sent) and each ref's outcome.
 */
export interface PushReply {
  /** objects in the pack, verified */
  received: number;
  /** objects new to the repository, as [type, checksum] */
  stored: Array<[ObjectType, Checksum]>;
  /** bytes those objects took in the repository */
  storedBytes: number;
  /** whether the received objects were kept (false when the push was refused as hostile: nothing of it is in the repository) */
  kept: boolean;
  refs: RefOutcome[];
  /** whether the summary was regenerated after the refs moved */
  summaryUpdated: boolean;
  error?: { code: string; message: string };
}

const OBJECT_TYPES = new Set<string>(['file', 'dirtree', 'dirmeta', 'commit', 'tombstone-commit', 'commitmeta']);
const STATUSES = new Set<string>(['created', 'fast-forward', 'forced', 'unchanged', 'rejected', 'conflict', 'not-attempted']);

/** Client side: the reply checked for shape (BAD_RESPONSE otherwise); `null` when the body is not a push reply at all. */
export function parsePushReply(text: string): PushReply | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || !('refs' in v) || !('stored' in v)) return null;
  const r = v as Record<string, unknown>;
  const bad = (what: string): never => {
    throw new ProtocolError('BAD_RESPONSE', `push reply: ${what}`);
  };
  if (!Number.isSafeInteger(r.received) || !Number.isSafeInteger(r.storedBytes)) bad('counts are not integers');
  if (!Array.isArray(r.stored) || !r.stored.every((e) => Array.isArray(e) && OBJECT_TYPES.has(e[0]) && isChecksum(e[1]))) bad('stored is not a list of objects');
  if (!Array.isArray(r.refs)) bad('refs is not a list');
  if (typeof r.summaryUpdated !== 'boolean' || typeof r.kept !== 'boolean') bad('kept or summaryUpdated is not a boolean');
  for (const o of r.refs as unknown[]) {
    const x = o as Record<string, unknown>;
    if (typeof x !== 'object' || x === null || typeof x.ref !== 'string' || !STATUSES.has(x.status as string)) bad('a ref outcome without a ref or status');
    if (!(x.old === null || (typeof x.old === 'string' && isChecksum(x.old))) || !(typeof x.new === 'string' && isChecksum(x.new))) bad('a ref outcome without checksums');
  }
  return r as unknown as PushReply;
}
