import { StoreError } from '../errors.js';
import { isChecksum } from '../checksum.js';

/** OSTree's ref-name rule (§1): slash-separated fragments of [\w\d][-._\w\d]*. */
const REF_RE = /^([\w\d][-._\w\d]*\/)*[\w\d][-._\w\d]*$/u;
const REMOTE_RE = /^[\w\d][-._\w\d]*$/u;

/** Refuses names OSTree refuses, and names that are themselves checksums. */
export function validateRefName(name: string): void {
  if (!REF_RE.test(name) || name.includes('..')) {
    throw new StoreError('REF_INVALID', `invalid ref name ${JSON.stringify(name)} (fragments of letters, digits, '-', '.', '_' separated by '/')`, { ref: name });
  }
  if (isChecksum(name)) throw new StoreError('REF_INVALID', `ref name ${name} is a checksum`, { ref: name });
}

export function validateRemoteName(name: string): void {
  if (!REMOTE_RE.test(name)) throw new StoreError('REF_INVALID', `invalid remote name ${JSON.stringify(name)}`, { remote: name });
}

/** A ref as OSTree names it on the command line: `branch` or `remote:branch`. */
export interface RefName {
  remote: string | null;
  name: string;
}

export function parseRefSpec(text: string): RefName {
  const colon = text.indexOf(':');
  if (colon < 0) {
    validateRefName(text);
    return { remote: null, name: text };
  }
  const remote = text.slice(0, colon);
  const name = text.slice(colon + 1);
  validateRemoteName(remote);
  validateRefName(name);
  return { remote, name };
}

export function formatRef(ref: RefName): string {
  return ref.remote ? `${ref.remote}:${ref.name}` : ref.name;
}

/** Path of the ref file relative to the repo. */
export function refRelPath(ref: RefName): string {
  return ref.remote ? `refs/remotes/${ref.remote}/${ref.name}` : `refs/heads/${ref.name}`;
}
