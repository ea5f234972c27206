/**
 * The same commit history built twice, in a real git repository and in an osgit repository, so
 * history operations (merge bases, ancestry, log order, rev-parse) can be compared with git's
 * answers. Each node commits a small tree (default: one file named after the node) at its own
 * fixed timestamp (node i at BASE_TIME + 60·i, so date order is exact); in osgit a node's first
 * parent is OSTree's parent and the others go in `osgit.merge-parents`, as osgit's merges write them.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  Repo, Transaction, encodeCommit, sha256Hex, mergeParentsMetadata, updateRef, type Checksum,
} from '../../packages/store/src/index.js';
import { writeTree } from '../../packages/store/src/commit/write-tree.js';
import { runOk } from './tools.js';

export const BASE_TIME = 1_700_000_000;

export interface DagNodeSpec {
  name: string;
  parents?: readonly string[];
  /** the whole tree of this commit (path → text); default `{ "NAME.txt": "NAME\n" }` */
  files?: Readonly<Record<string, string>>;
  /** commit time in seconds; default BASE_TIME + 60 · (index of the node) */
  time?: number;
}

export interface BuiltDag {
  /** node name → osgit commit */
  osgit: Map<string, Checksum>;
  /** node name → git commit */
  git: Map<string, string>;
  /** osgit or git commit → node name */
  nameOf: (commit: string) => string;
  gitDir: string;
  repo: Repo;
}

/** Git run against `gitDir` with the committer identity and dates fixed. */
export function git(gitDir: string, args: readonly string[], env: Record<string, string> = {}, input?: string) {
  return runOk('git', ['--git-dir', gitDir, ...args], {
    env: {
      GIT_AUTHOR_NAME: 'osgit', GIT_AUTHOR_EMAIL: 'osgit@example.org',
      GIT_COMMITTER_NAME: 'osgit', GIT_COMMITTER_EMAIL: 'osgit@example.org',
      GIT_CONFIG_NOSYSTEM: '1', HOME: gitDir, ...env,
    },
    ...(input !== undefined ? { input } : {}),
  });
}

/**
 * Builds `nodes` (parents before children) in a new git repository at `gitDir` and in `repo`;
 * `branches` (name → node) become branches in both.
 */
export async function buildDag(
  repo: Repo, gitDir: string, nodes: readonly DagNodeSpec[], branches: Readonly<Record<string, string>> = {},
): Promise<BuiltDag> {
  await runOk('git', ['init', '-q', '--bare', gitDir]);
  const work = `${gitDir}-work`;
  const osgit = new Map<string, Checksum>();
  const gitIds = new Map<string, string>();
  const names = new Map<string, string>();
  for (const [i, node] of nodes.entries()) {
    const files = node.files ?? { [`${node.name}.txt`]: `${node.name}\n` };
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(work, rel)), { recursive: true });
      writeFileSync(join(work, rel), text);
    }
    const time = node.time ?? BASE_TIME + 60 * i;
    const parents = (node.parents ?? []).map((p) => {
      const c = osgit.get(p);
      if (!c) throw new Error(`dag: node ${node.name} names parent ${p} before it is built`);
      return c;
    });
    const commit = await writeCommitObject(repo, work, {
      parents, subject: node.name, timestamp: BigInt(time),
    });
    osgit.set(node.name, commit);
    names.set(commit, node.name);

    const index = { GIT_INDEX_FILE: `${gitDir}/index-dag`, GIT_WORK_TREE: work };
    rmSync(index.GIT_INDEX_FILE, { force: true });
    await git(gitDir, ['add', '-A', '.'], index);
    const tree = (await git(gitDir, ['write-tree'], index)).stdout.trim();
    const date = `@${time} +0000`;
    const gp = (node.parents ?? []).flatMap((p) => ['-p', gitIds.get(p)!]);
    const sha = (await git(gitDir, ['commit-tree', tree, ...gp, '-m', node.name], {
      GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date,
    })).stdout.trim();
    gitIds.set(node.name, sha);
    names.set(sha, node.name);
  }
  rmSync(work, { recursive: true, force: true });
  for (const [branch, node] of Object.entries(branches)) {
    await updateRef(repo, { ref: { remote: null, name: branch }, expected: undefined, value: osgit.get(node)! });
    await git(gitDir, ['update-ref', `refs/heads/${branch}`, gitIds.get(node)!]);
  }
  const nameOf = (commit: string): string => names.get(commit) ?? `?${commit.slice(0, 8)}`;
  return { osgit, git: gitIds, nameOf, gitDir, repo };
}

/**
 * Commits the folder `tree` with any number of parents (the first in OSTree's parent field, the
 * rest in `osgit.merge-parents`), moving no ref. For tests: osgit's own merges go through the store.
 */
export async function writeCommitObject(
  repo: Repo, tree: string, opts: { parents: readonly Checksum[]; subject: string; timestamp: bigint; body?: string },
): Promise<Checksum> {
  const tx = await Transaction.begin(repo);
  try {
    const root = await writeTree(tx, tree, { modifier: {} });
    const bytes = encodeCommit({
      metadata: mergeParentsMetadata(opts.parents.slice(1)),
      parent: opts.parents[0] ?? null,
      subject: opts.subject,
      body: opts.body ?? '',
      timestamp: opts.timestamp,
      rootTree: root.tree,
      rootMeta: root.meta,
    });
    const commit = sha256Hex(bytes);
    if (!tx.hasSync(commit, 'commit')) tx.writeMetadataSync(commit, 'commit', bytes);
    await tx.commit();
    return commit;
  } catch (err) {
    await tx.abort().catch(() => undefined);
    throw err;
  }
}

/** Shapes of history that every history test runs on. */
export const DAGS: Readonly<Record<string, readonly DagNodeSpec[]>> = {
  linear: [
    { name: 'A' }, { name: 'B', parents: ['A'] }, { name: 'C', parents: ['B'] }, { name: 'D', parents: ['C'] },
  ],
  branch: [
    { name: 'A' }, { name: 'B', parents: ['A'] }, { name: 'C', parents: ['B'] },
    { name: 'X', parents: ['B'] }, { name: 'D', parents: ['C'] }, { name: 'Y', parents: ['X'] },
  ],
  // main: A-B-C-M(C,Y)-E ; topic: B-X-Y then Z after the merge; the base of E and Z is Y.
  mergeThenBranch: [
    { name: 'A' }, { name: 'B', parents: ['A'] }, { name: 'X', parents: ['B'] }, { name: 'C', parents: ['B'] },
    { name: 'Y', parents: ['X'] }, { name: 'M', parents: ['C', 'Y'] }, { name: 'E', parents: ['M'] },
    { name: 'Z', parents: ['Y'] }, { name: 'F', parents: ['E'] },
  ],
  // Criss-cross: P and Q each merge both L and R, so P and Q have two best bases, L and R.
  crissCross: [
    { name: 'A' }, { name: 'L', parents: ['A'] }, { name: 'R', parents: ['A'] },
    { name: 'P', parents: ['L', 'R'] }, { name: 'Q', parents: ['R', 'L'] },
    { name: 'P2', parents: ['P'] }, { name: 'Q2', parents: ['Q'] },
  ],
  // An octopus-like commit with three parents, and a branch off one of them.
  octopus: [
    { name: 'A' }, { name: 'B1', parents: ['A'] }, { name: 'B2', parents: ['A'] }, { name: 'B3', parents: ['A'] },
    { name: 'O', parents: ['B1', 'B2', 'B3'] }, { name: 'C3', parents: ['B3'] }, { name: 'O2', parents: ['O'] },
    { name: 'C4', parents: ['C3', 'B2'] },
  ],
  // Two roots that never meet, and a commit that joins them.
  unrelated: [
    { name: 'A' }, { name: 'B', parents: ['A'] }, { name: 'R' }, { name: 'S', parents: ['R'] },
    { name: 'J', parents: ['B', 'S'] },
  ],
};
