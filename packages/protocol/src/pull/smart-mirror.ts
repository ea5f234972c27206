/**
 * `pull --mirror` of every ref over the smart protocol: the refs are those of the remote's
 * summary (read as the dumb protocol reads it, from the same base URL), and the summary and its
 * signature are copied verbatim once the objects and refs are in, as ostree and the dumb pull do,
 * so a mirror of a mirror verifies against the original keys.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteFile, type Checksum, type Repo } from '@osgit/store';
import { HttpClient } from '../transport/http-client.js';
import { resolveRemoteRefs } from './resolve-refs.js';

export interface MirrorListing {
  targets: Map<string, Checksum>;
  summary: Buffer | null;
  summarySig: Buffer | null;
}

/**
 * Every ref of the remote's summary (REMOTE_REF_NOT_FOUND when it has none), with the summary;
 * or, with `refs`, those refs. `verifySummary` checks the summary and its signature first (a
 * remote that verifies its summary: a smart server's own ref listing is then not used).
 */
export async function listRemoteSummary(
  url: string, stallTimeoutMs: number,
  opts: { refs?: readonly string[]; verifySummary?: (summary: Buffer | null, sig: Buffer | null) => Promise<void> } = {},
): Promise<MirrorListing> {
  const http = new HttpClient({ stallTimeoutMs });
  try {
    const refs = opts.refs ?? [];
    const resolved = await resolveRemoteRefs(http, url, { refs, all: refs.length === 0, ...(opts.verifySummary ? { verifySummary: opts.verifySummary } : {}) });
    const targets = new Map<string, Checksum>();
    for (const [ref, { commit }] of resolved.targets) targets.set(ref, commit);
    return { targets, summary: resolved.summary, summarySig: resolved.summarySig };
  } finally {
    await http.close();
  }
}

/** Copies the summary (and its signature) the refs were read from. */
export async function writeMirroredSummary(repo: Repo, listing: MirrorListing): Promise<void> {
  if (!listing.summary) return;
  await atomicWriteFile(join(repo.path, 'summary'), listing.summary, { fsync: repo.fsync });
  if (listing.summarySig) await atomicWriteFile(join(repo.path, 'summary.sig'), listing.summarySig, { fsync: repo.fsync });
  else await rm(join(repo.path, 'summary.sig'), { force: true }); // mirror: a stale signature would not match the new summary
}
