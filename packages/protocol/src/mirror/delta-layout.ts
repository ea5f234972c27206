import { ProtocolError } from '../errors.js';

/**
 * Paths of OSTree's static deltas (reference/ostree-formats.md §7). A delta's logical name is
 * `FROMHEX-TOHEX` (or `TOHEX` for a delta from nothing); on disk and on the server its folder is
 * named with "modified base64" (standard base64 of the 32 raw bytes, `=` dropped, `/` written
 * `_`): `deltas/<b64(FROM)[0:2]>/<b64(FROM)[2:]>-<b64(TO)>/`, or `deltas/<b64(TO)[0:2]>/<b64(TO)[2:]>/`.
 * Pure.
 */

const HEX = /^[0-9a-f]{64}$/;

/** The modified base64 of a hex checksum: 43 characters. */
export function modifiedBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64').replace(/=+$/, '').replace(/\//g, '_');
}

/** A delta's FROM (null: from nothing) and TO commits, from its logical name; BAD_RESPONSE if it is not one. */
export function parseDeltaName(name: string, url: string): { from: string | null; to: string } {
  const parts = name.split('-');
  if ((parts.length === 1 || parts.length === 2) && parts.every((p) => HEX.test(p))) {
    return parts.length === 1 ? { from: null, to: parts[0]! } : { from: parts[0]!, to: parts[1]! };
  }
  throw new ProtocolError('BAD_RESPONSE', `${url}: the summary names a static delta ${JSON.stringify(name)}, which is not FROM-TO or TO in hex`, { url, delta: name });
}

/** The folder of a delta, relative to the repository: `deltas/XX/REST` (no trailing '/'). */
export function deltaDir(name: string, url: string): string {
  const { from, to } = parseDeltaName(name, url);
  if (from === null) {
    const t = modifiedBase64(to);
    return `deltas/${t.slice(0, 2)}/${t.slice(2)}`;
  }
  const f = modifiedBase64(from);
  return `deltas/${f.slice(0, 2)}/${f.slice(2)}-${modifiedBase64(to)}`;
}

/** The delta index of a TO commit: `delta-indexes/XX/REST.index`. */
export function deltaIndexPath(to: string): string {
  const t = modifiedBase64(to);
  return `delta-indexes/${t.slice(0, 2)}/${t.slice(2)}.index`;
}
