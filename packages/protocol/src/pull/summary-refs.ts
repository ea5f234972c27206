import { type Checksum, SUMMARY_TYPE, gvariant, isStoreError, validateRefName } from '@osgit/store';
import { ProtocolError } from '../errors.js';

/** A ref as a summary lists it: the commit and the size of the commit object. */
export interface SummaryRef {
  commit: Checksum;
  commitSize: number;
}

/**
 * The refs of a `summary` file (reference/ostree-formats.md §2.7: `(a(s(taya{sv}))a{sv})`),
 * checked as ostree checks it (§4): normal form, valid ref names, 32-byte checksums. Anything
 * else is BAD_RESPONSE: the remote sent something that is not a summary. Pure.
 */
export function parseSummaryRefs(bytes: Uint8Array, url: string): Map<string, SummaryRef> {
  let value: gvariant.GValue;
  try {
    value = gvariant.deserialize(SUMMARY_TYPE, bytes);
  } catch (cause) {
    throw new ProtocolError('BAD_RESPONSE', `${url}: not a valid summary (${(cause as Error).message})`, { url }, { cause });
  }
  const refs = new Map<string, SummaryRef>();
  for (const entry of (value as gvariant.GValue[])[0] as gvariant.GValue[]) {
    const [name, [size, checksum]] = entry as [string, [bigint, Uint8Array]];
    try {
      validateRefName(name);
    } catch (cause) {
      if (!isStoreError(cause)) throw cause;
      throw new ProtocolError('BAD_RESPONSE', `${url}: the summary lists an invalid ref name ${JSON.stringify(name)}`, { url }, { cause });
    }
    if (checksum.length !== 32) {
      throw new ProtocolError('BAD_RESPONSE', `${url}: the summary gives ref ${name} a checksum of ${checksum.length} bytes`, { url, ref: name });
    }
    refs.set(name, { commit: Buffer.from(checksum).toString('hex'), commitSize: Number(size) });
  }
  return refs;
}

/** The contents of a `refs/heads/<ref>` file: 64 lowercase hex digits and an optional newline. */
export function parseRefFile(bytes: Uint8Array, url: string): Checksum {
  const text = Buffer.from(bytes).toString('latin1').trimEnd();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new ProtocolError('BAD_RESPONSE', `${url}: not a ref (expected 64 hex digits)`, { url });
  }
  return text;
}
