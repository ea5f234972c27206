/**
 * What a push offers the server: the objects of every commit the new tips reach that the server's
 * tips (those we have here) do not, as `git rev-list NEW ^OLD` over every parent (OSTree's and a
 * merge's `osgit.merge-parents`). Without that exclusion a merge of a branch that forked long ago
 * would walk past the fork down to the root commit and list every old tree again (the server
 * would answer that it has them, but only after we listed and asked about each).
 */
import { reachableObjects, walkCommits, type Checksum, type Repo } from '@osgit/store';
import type { ObjectRef } from '../smart/fetch-pack.js';

export async function listPushObjects(repo: Repo, wants: readonly Checksum[], haves: readonly Checksum[]): Promise<ObjectRef[]> {
  const out: ObjectRef[] = [];
  if (haves.length === 0) {
    for await (const o of reachableObjects(repo, wants, { depth: -1 })) out.push(o);
    return out;
  }
  // Commits only the new tips reach, each once (the tips themselves always: a tip behind a have
  // is still named); then their objects minus what the haves' trees hold.
  const commits = new Set<Checksum>(wants);
  for await (const node of walkCommits(repo, wants, { exclude: haves })) commits.add(node.checksum);
  for await (const o of reachableObjects(repo, [...commits], { haves, depth: 0 })) out.push(o);
  // A tip the server has already still offers its detached metadata: signatures may have been
  // added here since (a build promoted to a protected ref); the server takes only additions.
  const listed = new Set(out.filter((o) => o.type === 'commitmeta').map((o) => o.checksum));
  for (const tip of wants) {
    if (!listed.has(tip) && repo.hasObjectSync(tip, 'commitmeta')) out.push({ type: 'commitmeta', checksum: tip });
  }
  return out;
}
