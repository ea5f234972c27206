import { StoreError } from '../errors.js';
import { type Checksum, isChecksum } from '../checksum.js';
import { type Commit, type Metadata, metadataValue } from '../objects/commit.js';

/**
 * Commit metadata key holding the extra parents of a merge commit: an `as` of hex checksums.
 * OSTree ignores it; its single `parent` field stays the first parent (DESIGN §1).
 */
export const MERGE_PARENTS_KEY = 'osgit.merge-parents';

/**
 * Every parent of a commit in order: OSTree's parent first, then the `osgit.merge-parents`
 * entries. A merge-parents value of the wrong type or holding a non-checksum is OBJECT_CORRUPT
 * (a commit that lies about its history must not be walked as if it had none).
 */
export function commitParents(commit: Commit, checksum?: Checksum): Checksum[] {
  const out: Checksum[] = commit.parent ? [commit.parent] : [];
  const extra = metadataValue(commit.metadata, MERGE_PARENTS_KEY);
  if (extra === undefined) return out;
  if (extra.type !== 'as' || !Array.isArray(extra.value) || !extra.value.every((v) => typeof v === 'string' && isChecksum(v))) {
    throw new StoreError('OBJECT_CORRUPT', `commit ${checksum ?? ''} has a malformed ${MERGE_PARENTS_KEY} (want an array of checksums)`.replace('  ', ' '), { commit: checksum ?? null });
  }
  for (const p of extra.value as string[]) if (!out.includes(p)) out.push(p);
  return out;
}

/** Metadata entries naming the extra parents of a merge commit (empty for one parent). */
export function mergeParentsMetadata(extraParents: readonly Checksum[]): Metadata {
  return extraParents.length === 0 ? [] : [[MERGE_PARENTS_KEY, { type: 'as', value: [...extraParents] }]];
}
