import { SUMMARY_TYPE, gvariant } from '@osgit/store';
import { ProtocolError } from '../errors.js';

/** What a summary says about static deltas (reference/ostree-formats.md §2.7, §7). */
export interface SummaryDeltas {
  /** logical delta name (`FROM-TO` or `TO`, hex) -> SHA-256 (hex) of its superblock file */
  deltas: Map<string, string>;
  /** `ostree.summary.indexed-deltas`: the repository also has delta-indexes/ */
  indexed: boolean;
}

/**
 * The static deltas a summary names, from its metadata's `ostree.static-deltas` (`a{sv}`: name ->
 * `ay` of 32 bytes). A summary without the key names none. BAD_RESPONSE for anything malformed.
 * Pure.
 */
export function parseSummaryDeltas(summary: Uint8Array, url: string): SummaryDeltas {
  let value: gvariant.GValue;
  try {
    value = gvariant.deserialize(SUMMARY_TYPE, summary);
  } catch (cause) {
    throw new ProtocolError('BAD_RESPONSE', `${url}: not a valid summary (${(cause as Error).message})`, { url }, { cause });
  }
  const meta = (value as gvariant.GValue[])[1] as Array<[string, gvariant.GVariantBox]>;
  const out: SummaryDeltas = { deltas: new Map(), indexed: false };
  for (const [key, box] of meta) {
    if (key === 'ostree.summary.indexed-deltas' && box.type === 'b') out.indexed = box.value === true;
    if (key !== 'ostree.static-deltas') continue;
    if (box.type !== 'a{sv}') throw bad(url, `ostree.static-deltas has type ${box.type}, not a{sv}`);
    for (const [name, digest] of box.value as Array<[string, gvariant.GVariantBox]>) {
      if (digest.type !== 'ay' || (digest.value as Uint8Array).length !== 32) {
        throw bad(url, `the digest of static delta ${JSON.stringify(name)} is not 32 bytes (ay)`);
      }
      out.deltas.set(name, Buffer.from(digest.value as Uint8Array).toString('hex'));
    }
  }
  return out;
}

function bad(url: string, what: string): ProtocolError {
  return new ProtocolError('BAD_RESPONSE', `${url}: ${what}`, { url });
}
