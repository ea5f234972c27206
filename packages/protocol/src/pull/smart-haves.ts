/**
 * The commits a smart pull tells the server it has: only commits whose every object is here
 * (present and not marked partial), since the server skips every subtree they hold. Bounded:
 * the server walks each have's tree, and a few recent commits cover what an update shares.
 */
import { commitParents, isCommitPartial, listRefs, type Checksum, type Repo } from '@osgit/store';

export interface HavesOptions {
  /** Most commits announced. */
  max?: number;
  /** Parent steps (over every parent) announced behind each ref's tip (when present and complete). */
  ancestors?: number;
}

/** Tips of every local ref (heads and remotes), then a few ancestors of each, complete ones only. */
export async function localHaves(repo: Repo, opts: HavesOptions = {}): Promise<Checksum[]> {
  const max = opts.max ?? 64;
  const ancestors = opts.ancestors ?? 2;
  const refs = await listRefs(repo, { remotes: true });
  const out: Checksum[] = [];
  const seen = new Set<Checksum>();
  const complete = async (c: Checksum): Promise<boolean> => repo.hasObjectSync(c, 'commit') && !(await isCommitPartial(repo, c));
  const tips: Checksum[] = [];
  for (const { commit } of refs) {
    if (seen.has(commit)) continue;
    seen.add(commit);
    if (out.length < max && (await complete(commit))) {
      out.push(commit);
      tips.push(commit);
    }
  }
  // Breadth-first over every parent (a merge's too): its other side is as likely to be shared.
  // A parent missing or partial here ends that line (what is behind it is not known to be whole).
  let frontier = tips;
  for (let level = 0; level < ancestors && frontier.length > 0 && out.length < max; level++) {
    const next: Checksum[] = [];
    for (const tip of frontier) {
      for (const parent of parentsOf(repo, tip)) {
        if (out.length >= max) break;
        if (seen.has(parent)) continue;
        seen.add(parent);
        if (!(await complete(parent))) continue;
        out.push(parent);
        next.push(parent);
      }
    }
    frontier = next;
  }
  return out;
}

/** A tip's parents; none for a commit whose merge-parents are malformed (haves only save work). */
function parentsOf(repo: Repo, commit: Checksum): Checksum[] {
  try {
    return commitParents(repo.readCommitSync(commit), commit);
  } catch {
    return [];
  }
}
