import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { serialize, bswap64 } from '../gvariant/index.js';
import type { GValue, GVariantBox } from '../gvariant/index.js';
import type { Repo } from '../repo/repo.js';
import { listRefs } from '../refs/refs.js';
import { metadataValue } from '../objects/commit.js';
import { checksumToBytes, type Checksum } from '../checksum.js';
import { configModeName } from '../repo/config.js';
import { atomicWriteFile } from '../fsio/atomic-write.js';
import { withLock } from '../repo/lock.js';

export const SUMMARY_TYPE = '(a(s(taya{sv}))a{sv})';

export interface SummaryResult {
  refs: Array<{ ref: string; commit: Checksum }>;
  bytes: number;
}

export interface UpdateSummaryOptions {
  /** `ostree.summary.last-modified`, seconds since the epoch (default: now) */
  lastModified?: bigint;
  /**
   * `ostree.summary.expires`, seconds since the epoch (§2.7): a verifying client refuses the
   * summary after that time (freeze attacks). Absent: no expiry, as `ostree summary -u`.
   */
  expires?: bigint;
}

/**
 * Regenerates `summary` like `ostree summary -u` (§2.7): local refs sorted by name, each with
 * the commit's size, checksum, timestamp and version; then repository metadata. Removes the
 * now-stale `summary.sig`. Atomic; holds the shared lock.
 */
export async function updateSummary(repo: Repo, opts: UpdateSummaryOptions = {}): Promise<SummaryResult> {
  return withLock(repo.path, 'shared', async () => {
    const refs = (await listRefs(repo)).map((r) => ({ ref: r.ref.name, commit: r.commit }));
    refs.sort((a, b) => Buffer.compare(Buffer.from(a.ref), Buffer.from(b.ref)));
    const entries: GValue[] = [];
    for (const { ref, commit } of refs) {
      const bytes = await repo.readMetadataBytes(commit, 'commit');
      const c = await repo.readCommit(commit);
      const meta: Array<[string, GVariantBox]> = [];
      const version = metadataValue(c.metadata, 'version');
      // GVariantDict (hash) order for these two keys is version, then timestamp (App. A).
      if (version && version.type === 's') meta.push(['ostree.commit.version', version]);
      meta.push(['ostree.commit.timestamp', { type: 't', value: bswap64(c.timestamp) }]);
      entries.push([ref, [BigInt(bytes.length), checksumToBytes(commit), meta]]);
    }
    const now = opts.lastModified ?? BigInt(Math.floor(Date.now() / 1000));
    const mode: [string, GVariantBox] = ['ostree.summary.mode', { type: 's', value: configModeName(repo.mode) }];
    const lastModified: [string, GVariantBox] = ['ostree.summary.last-modified', { type: 't', value: bswap64(now) }];
    const tombstones: [string, GVariantBox] = ['ostree.summary.tombstone-commits', { type: 'b', value: repo.config.getBoolean('core', 'tombstone-commits', false) }];
    const indexed: [string, GVariantBox] = ['ostree.summary.indexed-deltas', { type: 'b', value: true }];
    // GVariantDict (hash) order, as ostree 2022.7 writes these key sets (App. A; an expiry key
    // makes the table reorder: observed with `ostree summary -u -m ostree.summary.expires=...`).
    const extra: Array<[string, GVariantBox]> = opts.expires === undefined
      ? [mode, lastModified, tombstones, indexed]
      : [['ostree.summary.expires', { type: 't', value: bswap64(opts.expires) }], lastModified, tombstones, mode, indexed];
    const collectionId = repo.config.get('core', 'collection-id');
    if (collectionId) extra.push(['ostree.summary.collection-id', { type: 's', value: collectionId }]);
    const summary = serialize(SUMMARY_TYPE, [entries, extra]);
    await atomicWriteFile(join(repo.path, 'summary'), summary, { fsync: repo.fsync });
    await fs.rm(join(repo.path, 'summary.sig'), { force: true });
    return { refs, bytes: summary.length };
  });
}
