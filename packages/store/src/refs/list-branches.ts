import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import { StoreError } from '../errors.js';
import { listRefs } from './refs.js';
import { TAG_PREFIX } from './branch-name.js';
import { commitDate } from '../inspect/log.js';

export interface BranchInfo {
  name: string;
  commit: Checksum;
  /** the tip's subject; null when the repository lacks the commit (a ref pulled with --commit-metadata-only, damage) */
  subject: string | null;
  /** the tip's commit time (seconds since the epoch), null as subject */
  timestamp: number | null;
  /** ISO 8601 UTC, null as subject or outside the years 1-9999 */
  date: string | null;
}

/** Local branches sorted by name, with tip and subject; refs under `tags/` are tags, not listed. */
export async function listBranches(repo: Repo, opts: { prefix?: string } = {}): Promise<BranchInfo[]> {
  const prefix = opts.prefix ?? '';
  const refs = (await listRefs(repo)).filter((r) => prefix ? r.ref.name.startsWith(prefix) : !r.ref.name.startsWith(TAG_PREFIX));
  const out: BranchInfo[] = [];
  for (const { ref, commit } of refs) {
    let info: BranchInfo = { name: ref.name.slice(prefix.length), commit, subject: null, timestamp: null, date: null };
    try {
      const c = await repo.readCommit(commit);
      info = { ...info, subject: c.subject, timestamp: Number(c.timestamp), date: commitDate(c.timestamp) };
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'OBJECT_MISSING')) throw err;
    }
    out.push(info);
  }
  return out;
}
