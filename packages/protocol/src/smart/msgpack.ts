/**
 * The msgpack dialect of the smart protocol's request and response bodies: msgpackr without
 * shared structures or records, so every body is a self-describing value, and a decoder that
 * turns anything that is not one msgpack value into BAD_RESPONSE (answered 400 by the server).
 */
import { Packr, Unpackr } from 'msgpackr';
import { ProtocolError } from '../errors.js';

export const MSGPACK_CONTENT_TYPE = 'application/x-msgpack';

const packr = new Packr({ useRecords: false, variableMapSize: true });

export function encodeMsgpack(value: unknown): Buffer {
  return packr.pack(value);
}

/** One msgpack value, or BAD_RESPONSE naming `what` (e.g. "fetch plan request"). */
export function decodeMsgpack(bytes: Uint8Array, what: string): unknown {
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  try {
    return unpackr.unpack(bytes);
  } catch (err) {
    throw new ProtocolError('BAD_RESPONSE', `${what}: not msgpack`, { what }, { cause: err });
  }
}

/** A plain map (not an array, bytes, a Map or a class instance). */
export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

export function isChecksumBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array && v.length === 32;
}

export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function badBody(what: string, detail: string): ProtocolError {
  return new ProtocolError('BAD_RESPONSE', `${what}: ${detail}`, { what });
}

export function tooLarge(what: string, detail: string): ProtocolError {
  return new ProtocolError('TOO_LARGE', `${what}: ${detail}`, { what });
}
