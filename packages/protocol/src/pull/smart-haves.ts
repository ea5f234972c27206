/**
 * The commits a smart pull tells the server it has: only commits whose every object is here
 * (present and not marked partial), since the server skips every subtree they hold. Bounded:
 * the server walks each have's tree, and a few recent commits cover what an update shares.
 */
import { isCommitPartial, listRefs, type Checksum, type Repo } from '@osgit/store';

export interface HavesOptions {
  /** Most commits announced. */
  max?: number;
  /** Ancestors announced behind each ref's tip (when present and complete). */
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
  for (let level = 0; level < ancestors; level++) {
    for (let i = 0; i < tips.length && out.length < max; i++) {
      const parent = repo.readCommitSync(tips[i]!).parent;
      if (parent === null || seen.has(parent)) continue;
      seen.add(parent);
      if (!(await complete(parent))) continue;
      out.push(parent);
      tips[i] = parent;
    }
  }
  return out;
}
