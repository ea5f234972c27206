import type { Checksum } from '../checksum.js';
import type { Repo } from '../repo/repo.js';
import type { Commit } from '../objects/commit.js';
import { StoreError } from '../errors.js';
import { commitParents } from './commit-parents.js';

/** A commit as the history walks see it: its parents in order and its timestamp. */
export interface GraphNode {
  checksum: Checksum;
  commit: Commit;
  parents: Checksum[];
  timestamp: bigint;
}

/**
 * The commits one history operation reads, each decoded once (a merge-base or log walk visits
 * a commit through several children). A commit the repository does not have (history cut by a
 * shallow pull) is `null`: the walk ends there, as git's walks end at a shallow boundary.
 */
export class CommitGraph {
  readonly repo: Repo;
  private readonly nodes = new Map<Checksum, GraphNode | null>();

  constructor(repo: Repo) {
    this.repo = repo;
  }

  /** The commit, or null when the repository does not have it. Corrupt commits throw. */
  async node(checksum: Checksum): Promise<GraphNode | null> {
    const hit = this.nodes.get(checksum);
    if (hit !== undefined) return hit;
    let node: GraphNode | null;
    try {
      const commit = await this.repo.readCommit(checksum);
      node = { checksum, commit, parents: commitParents(commit, checksum), timestamp: commit.timestamp };
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'OBJECT_MISSING')) throw err;
      node = null;
    }
    this.nodes.set(checksum, node);
    return node;
  }

  /** The commit if this graph has read it already (no I/O). */
  peek(checksum: Checksum): GraphNode | null {
    return this.nodes.get(checksum) ?? null;
  }

  /** Like node(), but a missing start commit is an error (REV_INVALID): it was named by the caller. */
  async start(checksum: Checksum): Promise<GraphNode> {
    const node = await this.node(checksum);
    if (!node) throw new StoreError('REV_INVALID', `commit ${checksum} is not in the repository`, { commit: checksum });
    return node;
  }
}
