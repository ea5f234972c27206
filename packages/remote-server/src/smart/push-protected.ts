import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  CommitGraph, commitParents, objectRelPath, requireValidSignature, validateRefName, verifySignedBytes, walkCommits,
  type Checksum, type GraphNode, type TrustedKeys,
} from '@osgit/store';
import type { PushView } from './push-connectivity.js';
import type { PlannedUpdate } from './push-refs.js';

/**
 * Refs only signed commits may reach: a ref equal to a prefix or below it (`os` and `os/` both
 * protect `os` and `os/x86_64/stable`, not `osx`), and the keys one of whose signatures each new
 * commit must carry.
 */
export interface ProtectedRefs {
  prefixes: readonly string[];
  keys: TrustedKeys;
}

/** Checks and normalizes the prefixes (a ref name each, a trailing `/` allowed); INVALID_ARGUMENT / REF_INVALID otherwise. */
export function protectedPrefixes(prefixes: readonly string[]): string[] {
  return prefixes.map((p) => {
    const name = p.endsWith('/') ? p.slice(0, -1) : p;
    validateRefName(name);
    return name;
  });
}

export function isProtectedRef(ref: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => ref === p || ref.startsWith(`${p}/`));
}

/**
 * For every update that moves a protected ref: each commit the new tip reaches over every parent
 * that the ref's old value does not (`rev-list NEW ^OLD`: the tip, the commits the push brings,
 * and commits already on the server that this ref never held) must carry a valid signature by
 * one of the keys in its detached metadata, as it will be once the push is through (a replacement
 * the push brings, else staged by it, else on the server). ostree's pull verifies every commit it fetches, so one unsigned commit in between
 * would fail every verifying client: it is refused here, before any ref moves.
 * Throws SIGNATURE_MISSING or SIGNATURE_INVALID (HTTP 403) naming the commit and the ref.
 */
export async function checkProtectedUpdates(
  view: PushView, planned: readonly PlannedUpdate[], rules: ProtectedRefs | null, commitMeta: ReadonlyMap<Checksum, Uint8Array> = new Map(),
): Promise<void> {
  if (!rules || rules.prefixes.length === 0) return;
  const graph = new PushCommitGraph(view);
  for (const p of planned) {
    if (p.status === 'unchanged' || !isProtectedRef(p.ref, rules.prefixes)) continue;
    const exclude = p.old !== null && view.has(p.old, 'commit') ? [p.old] : [];
    const fresh: Checksum[] = [];
    for await (const node of walkCommits(view.repo, [p.new], { exclude, graph })) fresh.push(node.checksum);
    // Oldest first: the message names the first commit a client would stumble on.
    for (const commit of fresh.reverse()) {
      const bytes = Buffer.from(await view.readMetadata(commit, 'commit'));
      const pushedMeta = commitMeta.get(commit);
      const report = await verifySignedBytes(bytes, pushedMeta ? Buffer.from(pushedMeta) : await detachedMetadata(view, commit), rules.keys);
      const what = commit === p.new ? `commit ${commit} (the new tip of protected ref ${p.ref})` : `commit ${commit} (pushed for protected ref ${p.ref}, tip ${p.new})`;
      requireValidSignature(report, what, { ref: p.ref, commit, tip: p.new });
    }
  }
}

/** The commit's `.commitmeta` as the push leaves it: on the server already, else staged by this push; null if neither. */
async function detachedMetadata(view: PushView, commit: Checksum): Promise<Buffer | null> {
  const onServer = await view.repo.readCommitMetaBytes(commit);
  if (onServer) return Buffer.from(onServer);
  try {
    return await fs.readFile(join(view.tx.dir, objectRelPath(commit, 'commitmeta', view.repo.mode).slice('objects/'.length)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The commit graph of the repository plus the commits staged by a push (the store's graph sees only the repository). */
class PushCommitGraph extends CommitGraph {
  private readonly seen = new Map<Checksum, GraphNode | null>();

  constructor(private readonly view: PushView) {
    super(view.repo);
  }

  override async node(checksum: Checksum): Promise<GraphNode | null> {
    const hit = this.seen.get(checksum);
    if (hit !== undefined) return hit;
    let node: GraphNode | null = null;
    if (this.view.has(checksum, 'commit')) {
      const commit = await this.view.commit(checksum);
      node = { checksum, commit, parents: commitParents(commit, checksum), timestamp: commit.timestamp };
    }
    this.seen.set(checksum, node);
    return node;
  }

  override peek(checksum: Checksum): GraphNode | null {
    return this.seen.get(checksum) ?? null;
  }
}
