/**
 * POST /osgit/v1/fetch/plan (see @osgit/protocol smart/fetch-plan.ts): every object the wanted
 * commits reach that the client's have commits do not, with its transfer size. Read-only,
 * through the store's public API.
 */
import { StoreError, reachableObjects, transferSizeOf, walkCommits, type Repo } from '@osgit/store';
import type { smart } from '@osgit/protocol';

/** Size look-ups (a stat, or a header read for bare repos) in flight at once. */
const SIZE_CONCURRENCY = 32;

/**
 * The plan for `req`. A wanted commit the repository lacks is OBJECT_MISSING (404) before any
 * walk; have commits the repository does not know are ignored (the client has more than we do).
 */
export async function planFetch(repo: Repo, req: smart.FetchPlanRequest): Promise<smart.FetchPlan> {
  for (const want of req.want) {
    if (!(await repo.hasObject(want, 'commit'))) {
      throw new StoreError('OBJECT_MISSING', `commit ${want} is not in this repository`, { checksum: want, type: 'commit' });
    }
  }
  const haves: string[] = [];
  for (const have of req.have) if (await repo.hasObject(have, 'commit')) haves.push(have);
  const listed: Array<{ type: smart.PlannedObject['type']; checksum: string }> = [];
  // All history: the commits only the wants reach (git's `rev-list WANT ^HAVE` over every parent),
  // so a merged branch that forked long ago does not drag in the history behind the fork.
  let wants: readonly string[] = req.want;
  let depth = req.depth;
  if (depth < 0 && haves.length > 0) {
    const commits = new Set<string>(req.want);
    for await (const node of walkCommits(repo, req.want, { exclude: haves })) commits.add(node.checksum);
    wants = [...commits];
    depth = 0;
  }
  for await (const o of reachableObjects(repo, wants, { haves, depth, commitMetadataOnly: req.commitMetadataOnly })) {
    listed.push(o);
  }
  const objects = await mapInOrder(listed, SIZE_CONCURRENCY, async (o) => ({ ...o, size: await transferSizeOf(repo, o.checksum, o.type) }));
  let bytes = 0;
  for (const o of objects) bytes += o.size;
  return { objects, totals: { objects: objects.length, bytes } };
}

/** `fn` over `items` with at most `limit` calls pending, results in the items' order. */
export async function mapInOrder<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
