import { join } from 'node:path';
import {
  type Checksum, type Repo, type TrustedKeys, MAX_METADATA_SIZE, atomicWriteFile, fsError, objectRelPath, requireValidSignature, verifyMetadataObject, verifySignedBytes,
} from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { objectPath, urlFor } from '../pull/dumb-layout.js';
import type { HttpClient } from '../transport/http-client.js';

/**
 * Makes the detached metadata (`.commitmeta`: the signatures) of `commits` byte for byte what
 * the origin has now. A pull fetches it only with a commit it did not have, but signatures are
 * added to commits after they are published (`ostree gpg-sign`), so a mirror asks again for the
 * commits its refs point at on every run, as ostree asks for a requested commit's detached
 * metadata on every pull. A commit the origin has no detached metadata for keeps what the
 * mirror has (signatures are not taken away by a missing file). The bytes must be a normal-form
 * `a{sv}` (else BAD_OBJECT) and, with `keys` (a verifying remote), carry a signature valid for
 * the commit (else SIGNATURE_MISSING / SIGNATURE_INVALID, and the old file stays); each is
 * written atomically. The caller holds the shared lock.
 * Returns the commits whose detached metadata changed.
 */
export async function refreshDetachedMetadata(
  ctx: { repo: Repo; http: HttpClient; objectsUrl: string; signal?: AbortSignal; keys?: readonly TrustedKeys[] | null }, commits: Iterable<Checksum>,
): Promise<Checksum[]> {
  const changed: Checksum[] = [];
  for (const commit of new Set(commits)) {
    if (!ctx.repo.hasObjectSync(commit, 'commit')) continue;
    const url = urlFor(ctx.objectsUrl, objectPath(commit, 'commitmeta'));
    const res = await ctx.http.get(url, { maxBytes: MAX_METADATA_SIZE, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    if (!res.found) continue;
    if (!('bytes' in res.body)) throw new Error('unexpected spooled body');
    const bytes = res.body.bytes;
    const had = await ctx.repo.readCommitMetaBytes(commit);
    if (had && Buffer.from(had).equals(bytes)) continue;
    checkDetachedMetadata(bytes, url, commit);
    // Not named by a checksum: on a verifying remote, new signatures must verify (each kind of key
    // the remote asks for, as a pull checks them) before they replace the old ones.
    for (const keys of ctx.keys ?? []) {
      const report = await verifySignedBytes(Buffer.from(ctx.repo.readMetadataBytesSync(commit, 'commit')), bytes, keys);
      requireValidSignature(report, `the new detached metadata of commit ${commit} (${url})`, { commit, url });
    }
    const path = join(ctx.repo.path, objectRelPath(commit, 'commitmeta', ctx.repo.mode));
    try {
      await atomicWriteFile(path, bytes, { fsync: ctx.repo.fsync });
    } catch (cause) {
      throw fsError(cause, { action: 'cannot write detached metadata', path });
    }
    changed.push(commit);
  }
  return changed;
}

/** Detached metadata is an `a{sv}` in normal form (reference/ostree-formats.md §2.6); the strict decoder accepts nothing else. */
function checkDetachedMetadata(bytes: Uint8Array, url: string, commit: Checksum): void {
  try {
    verifyMetadataObject(commit, 'commitmeta', bytes);
  } catch (cause) {
    throw new ProtocolError('BAD_OBJECT', `${url}: the remote sent bad detached metadata for commit ${commit}: ${(cause as Error).message}`, { url, checksum: commit, type: 'commitmeta' }, { cause });
  }
}
