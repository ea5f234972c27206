/**
 * GET /osgit/v1/refs: every ref of the repository, `{ "refs": { "name": "hex checksum" } }`.
 */
import { isChecksum, validateRefName, type Checksum } from '@osgit/store';
import { ProtocolError } from '../errors.js';

/** Refs a client accepts in one answer. */
export const MAX_REFS = 1_000_000;

export function writeRefsResponse(refs: ReadonlyMap<string, Checksum>): string {
  return JSON.stringify({ refs: Object.fromEntries(refs) });
}

/** Client side: BAD_RESPONSE for anything but a map of valid ref names to checksums. */
export function parseRefsResponse(text: string): Map<string, Checksum> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError('BAD_RESPONSE', 'refs response: not JSON', {}, { cause: err });
  }
  const refs = (v as { refs?: unknown } | null)?.refs;
  if (typeof refs !== 'object' || refs === null || Array.isArray(refs)) throw new ProtocolError('BAD_RESPONSE', 'refs response: no refs map');
  const entries = Object.entries(refs as Record<string, unknown>);
  if (entries.length > MAX_REFS) throw new ProtocolError('BAD_RESPONSE', `refs response: ${entries.length} refs`);
  const out = new Map<string, Checksum>();
  for (const [name, checksum] of entries) {
    if (typeof checksum !== 'string' || !isChecksum(checksum)) throw new ProtocolError('BAD_RESPONSE', `refs response: ${JSON.stringify(name)} is not a checksum`);
    try {
      validateRefName(name);
    } catch (err) {
      throw new ProtocolError('BAD_RESPONSE', `refs response: ${JSON.stringify(name)} is not a ref name`, {}, { cause: err });
    }
    out.set(name, checksum);
  }
  return out;
}
