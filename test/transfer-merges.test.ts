// Pull and push carry merge commits like any other (issue 7): the same history with merges is built
// in git and in osgit (helpers/dag.ts), then pulled over smart and dumb HTTP and pushed, and what
// arrives is compared with git's answers: `git rev-list` for "every commit of both sides",
// `git clone --depth N+1` for `--depth N` (git counts commits, OSTree counts parent steps; both
// count the shortest distance over every parent, so a merge at depth 1 brings both its parents),
// and `git merge-base --all` for the merge bases in the pulled or pushed-to repository.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MERGE_PARENTS_KEY, Repo, Transaction, encodeCommit, mergeBases, sha256Hex, updateRef } from '@osgit/store';
import { smartPull } from '@osgit/protocol';
import { buildDag, git, type BuiltDag, type DagNodeSpec } from './helpers/dag.js';
import { haveNginx, startNginx, type Nginx } from './helpers/nginx.js';
import { OSTREE, ostreeOk } from './helpers/ostree.js';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, runOk, type RunResult } from './helpers/tools.js';

const tmp = tempDirs('transfer-merges');

/**
 * main: A-B-C-M(C,Y)-E-N(E,Q)-F-G(F,Z,R); Y on B-X-Y reaches main only as M's and Z's non-first
 * parent; Q on A-P-Q only as N's; R (off B) only as G's third parent. Branches: main=G, topic=Z,
 * side=Q, merged=M, y=Y.
 */
const NODES: readonly DagNodeSpec[] = [
  { name: 'A' }, { name: 'B', parents: ['A'] }, { name: 'X', parents: ['B'] }, { name: 'C', parents: ['B'] },
  { name: 'Y', parents: ['X'] }, { name: 'M', parents: ['C', 'Y'] }, { name: 'P', parents: ['A'] },
  { name: 'Q', parents: ['P'] }, { name: 'E', parents: ['M'] }, { name: 'N', parents: ['E', 'Q'] },
  { name: 'F', parents: ['N'] }, { name: 'Z', parents: ['Y'] }, { name: 'R', parents: ['B'] },
  { name: 'G', parents: ['F', 'Z', 'R'] },
];
const BRANCHES = { main: 'G', topic: 'Z', side: 'Q', merged: 'M', y: 'Y' } as const;

let src: string;
let dag: BuiltDag;
let served: Served;
let nginx: Nginx | null = null;

/** Node names of the commits git lists for `args` (rev-list) in `gitDir`. */
async function gitNames(gitDir: string, args: readonly string[]): Promise<string[]> {
  const out = (await git(gitDir, ['rev-list', ...args])).stdout.trim();
  return out === '' ? [] : out.split('\n').map((c) => dag.nameOf(c)).sort();
}

/** Node names of the commits git's shallow clone of `branch` with `--depth gitDepth` holds. */
async function gitShallow(branch: string, gitDepth: number): Promise<string[]> {
  const dir = join(tmp.make('shallow'), 'clone.git');
  await runOk('git', ['clone', '-q', '--bare', '--depth', String(gitDepth), '--branch', branch, `file://${dag.gitDir}`, dir]);
  return gitNames(dir, [branch]);
}

/** Node names of every commit object in `repo`, and whether any is still marked partial. */
async function commitsIn(repo: string): Promise<{ names: string[]; partial: string[] }> {
  const names: string[] = [];
  for (const sub of await fs.readdir(join(repo, 'objects'))) {
    for (const f of await fs.readdir(join(repo, 'objects', sub))) if (f.endsWith('.commit')) names.push(dag.nameOf(sub + f.slice(0, -'.commit'.length)));
  }
  const partial = (await fs.readdir(join(repo, 'state')).catch(() => [] as string[])).filter((f) => f.endsWith('.commitpartial'));
  return { names: names.sort(), partial };
}

async function newClient(url: string, mode = 'archive'): Promise<string> {
  const repo = join(tmp.make('client'), 'repo');
  await osgitOk(['init', '--repo', repo, '--mode', mode]);
  await osgitOk(['remote', 'add', '--repo', repo, '--no-gpg-verify', 'origin', url]);
  return repo;
}

/** osgit fsck and ostree fsck both pass. */
async function fsckBoth(repo: string): Promise<void> {
  const r = await osgit(['fsck', '--repo', repo]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  await ostreeOk(['fsck', '--repo', repo]);
}

/** mergeBases of every pair of `names` in `repo` (as node names) equals the source repo's, and git's for a few. */
async function expectSameMergeBases(repo: string, names: readonly string[]): Promise<void> {
  const there = await Repo.open(repo);
  const got: string[] = [];
  const want: string[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = dag.osgit.get(names[i]!)!;
      const b = dag.osgit.get(names[j]!)!;
      const pair = `${names[i]}^${names[j]}:`;
      got.push(pair + (await mergeBases(there, a, b)).map(dag.nameOf).sort().join(','));
      want.push(pair + (await mergeBases(dag.repo, a, b)).map(dag.nameOf).sort().join(','));
    }
  }
  expect(got).toEqual(want);
  // The source's own answers agree with git's (the oracle) on the pairs across merges.
  for (const [a, b] of [['G', 'Z'], ['G', 'Q'], ['N', 'Z'], ['F', 'R'], ['Z', 'Q']] as const) {
    if (!names.includes(a) || !names.includes(b)) continue;
    const g = (await git(dag.gitDir, ['merge-base', '--all', dag.git.get(a)!, dag.git.get(b)!])).stdout.trim().split('\n').map(dag.nameOf).sort();
    expect(got.find((l) => l.startsWith(`${a}^${b}:`) || l.startsWith(`${b}^${a}:`))!.split(':')[1]).toBe(g.join(','));
  }
}

/** A copy of the source with branch `bad`: a commit on G whose osgit.merge-parents holds a non-checksum. */
async function badCopy(): Promise<{ repo: string; bad: string }> {
  const repo = join(tmp.make('bad'), 'repo');
  await fs.cp(src, repo, { recursive: true, verbatimSymlinks: true });
  const r = await Repo.open(repo);
  const g = r.readCommitSync(dag.osgit.get('G')!);
  const bytes = encodeCommit({ ...g, parent: dag.osgit.get('G')!, subject: 'bad', metadata: [[MERGE_PARENTS_KEY, { type: 'as', value: ['not-a-checksum'] }]] });
  const bad = sha256Hex(bytes);
  const tx = await Transaction.begin(r);
  tx.writeMetadataSync(bad, 'commit', bytes);
  await tx.commit();
  await updateRef(r, { ref: { remote: null, name: 'bad' }, expected: undefined, value: bad });
  await osgitOk(['summary', '--repo', repo, '-u']);
  return { repo, bad };
}

beforeAll(async () => {
  src = join(tmp.make('src'), 'repo');
  await osgitOk(['init', '--repo', src, '--mode', 'archive']);
  dag = await buildDag(await Repo.open(src), join(tmp.make('git'), 'repo.git'), NODES, BRANCHES);
  await osgitOk(['summary', '--repo', src, '-u']);
  served = await startServe({ repo: src }, ['--quiet']);
  if (haveNginx()) nginx = await startNginx(src);
}, 120_000);
afterAll(async () => {
  await served?.stop();
  await nginx?.stop();
  tmp.cleanup();
});

describe.skipIf(!OSTREE)('pull carries merge commits', () => {
  const transports = (): Array<[string, string, string]> => [
    ['smart', served.url, 'smart'],
    ['dumb (osgit serve)', served.url, 'dumb'],
    ...(nginx ? [['dumb (nginx)', nginx.url, 'dumb'] as [string, string, string]] : []),
  ];

  it('--depth -1 brings every commit of every side of each merge, whole; fsck passes and merge bases agree with the source and git', async () => {
    const all = await gitNames(dag.gitDir, ['main']);
    expect(all).toHaveLength(14);
    for (const [label, url, protocol] of transports()) {
      const client = await newClient(url);
      await osgitOk(['pull', '--repo', client, 'origin', 'main', '--depth=-1', '--protocol', protocol]);
      const { names, partial } = await commitsIn(client);
      expect(names, label).toEqual(all);
      expect(partial, label).toEqual([]);
      await fsckBoth(client);
      await expectSameMergeBases(client, all);
    }
  });

  it('--depth N counts parent steps over every parent, as git clone --depth N+1: a merge at depth 1 brings all its parents', async () => {
    // Over every transport, for a tip with three parents and for a two-parent merge inside history.
    const cases = [['main', 1], ['main', 4], ['merged', 1]] as const;
    const expected = new Map<string, string[]>();
    for (const [branch, depth] of cases) expected.set(`${branch}${depth}`, await gitShallow(branch, depth + 1));
    for (const [label, url, protocol] of transports()) {
      for (const [branch, depth] of cases) {
        const client = await newClient(url);
        await osgitOk(['pull', '--repo', client, 'origin', branch, `--depth=${depth}`, '--protocol', protocol]);
        const { names, partial } = await commitsIn(client);
        expect(names, `${label} ${branch} --depth ${depth}`).toEqual(expected.get(`${branch}${depth}`));
        expect(partial).toEqual([]);
        if (branch === 'main' && depth === 1) await fsckBoth(client);
      }
    }
    // Spelled out once, for the reader: depth 1 of G (parents F, Z, R) and of M (parents C, Y).
    expect(await gitShallow('main', 2)).toEqual(['F', 'G', 'R', 'Z']);
    expect(await gitShallow('merged', 2)).toEqual(['C', 'M', 'Y']);
  });

  it('a second pull on top of what the client has (its haves cross merges) plans only the new commits and ends with the whole history', async () => {
    for (const [label, url, protocol] of transports()) {
      const client = await newClient(url);
      await osgitOk(['pull', '--repo', client, 'origin', 'topic', 'side', '--depth=-1', '--protocol', protocol]);
      expect((await commitsIn(client)).names).toEqual(await gitNames(dag.gitDir, ['topic', 'side']));
      if (protocol === 'smart') {
        // In process, for the plan's size: the server plans only what main reaches and the
        // client's commits do not (git rev-list main ^topic ^side: not B, behind R's fork, nor A),
        // one commit, dirtree and file each.
        const r = await smartPull({ repo: await Repo.open(client), remote: { name: 'origin', url } }, { refs: ['main'], depth: -1 });
        const fresh = await gitNames(dag.gitDir, ['main', '^topic', '^side']);
        expect(fresh).toEqual(['C', 'E', 'F', 'G', 'M', 'N', 'R']);
        expect(r.planned.objects).toBe(3 * fresh.length);
      } else {
        await osgitOk(['pull', '--repo', client, 'origin', 'main', '--depth=-1', '--protocol', protocol]);
      }
      expect((await commitsIn(client)).names, label).toEqual(await gitNames(dag.gitDir, ['main', 'topic', 'side']));
      await fsckBoth(client);
    }
  });

  it('refuses a commit whose osgit.merge-parents is malformed (smart and dumb): a typed error, no ref, no such commit stored', async () => {
    const { repo, bad } = await badCopy();
    const srv = await startServe({ repo }, ['--quiet']);
    try {
      for (const protocol of ['smart', 'dumb']) {
        const client = await newClient(srv.url);
        const r = await osgit(['pull', '--repo', client, 'origin', 'bad', '--depth=-1', '--protocol', protocol, '--json']);
        expect(r.code, `${protocol}: ${r.stdout}`).not.toBe(0);
        // The server's plan refuses it (HTTP 400 from its OBJECT_CORRUPT); the dumb walk verifies the commit it fetched.
        expect(JSON.parse(r.stdout).error.code, protocol).toBe(protocol === 'dumb' ? 'BAD_OBJECT' : 'HTTP_STATUS');
        expect(JSON.parse(r.stdout).error.message, protocol).toMatch(/merge-parents/);
        await expect(fs.access(join(client, 'refs', 'remotes', 'origin', 'bad'))).rejects.toThrow();
        expect((await commitsIn(client)).names, protocol).not.toContain(dag.nameOf(bad));
      }
    } finally {
      await srv.stop();
    }
  });

  it('ostree pull --depth=-1 of a merge commit works: it follows OSTree\'s parent (the first parent) only', async () => {
    const urls = [served.url, ...(nginx ? [nginx.url] : [])];
    for (const url of urls) {
      const repo = join(tmp.make('ostree'), 'repo');
      await ostreeOk(['init', '--repo', repo, '--mode', 'archive']);
      await ostreeOk(['remote', 'add', '--repo', repo, '--no-gpg-verify', 'origin', url]);
      await ostreeOk(['pull', '--repo', repo, '--depth=-1', 'origin', 'main']);
      await ostreeOk(['fsck', '--repo', repo]);
      expect((await commitsIn(repo)).names).toEqual(await gitNames(dag.gitDir, ['--first-parent', 'main']));
      const log = await ostreeOk(['log', '--repo', repo, 'origin:main']);
      expect(log.stdout).toContain(dag.osgit.get('A')!);
    }
  });
});

describe.skipIf(!OSTREE)('push carries merge commits', () => {
  let secretKey: string;
  let publicKey: string;
  const token = async (): Promise<string> => {
    const r = await osgitOk(['token', 'create', '--key', secretKey, '--expires', '1h', '--json', '--repo', 'srv', '--ref', 'main', '--op', 'push']);
    return (JSON.parse(r.stdout) as { token: string }).token;
  };
  const serveRepo = async (): Promise<{ repo: string; served: Served }> => {
    const repo = join(tmp.make('server'), 'srv');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    return { repo, served: await startServe({ repo }, ['--token-public-key', publicKey, '--quiet']) };
  };
  const push = async (client: string, url: string, refspec: string): Promise<RunResult> => {
    await osgit(['remote', 'delete', '--repo', client, '--if-exists', 'origin']);
    await osgitOk(['remote', 'add', '--repo', client, '--no-gpg-verify', 'origin', url]);
    return osgit(['push', '--repo', client, '--json', 'origin', refspec], { env: { OSGIT_TOKEN: await token() } });
  };
  /** A copy of the source repository to push from (the pull tests serve the source itself). */
  const client = async (): Promise<string> => {
    const copy = join(tmp.make('pusher'), 'repo');
    await fs.cp(src, copy, { recursive: true, verbatimSymlinks: true });
    return copy;
  };

  beforeAll(async () => {
    const dir = tmp.make('keys');
    await osgitOk(['token', 'keygen', join(dir, 'k')]);
    secretKey = join(dir, 'k');
    publicKey = join(dir, 'k.pub');
  });

  it('a branch whose tip is a merge brings every side\'s commits to the server; fsck passes and merge bases agree', async () => {
    const { repo: server, served: srv } = await serveRepo();
    try {
      const r = await push(await client(), srv.url, 'main');
      expect(r.code, r.stderr).toBe(0);
      const all = await gitNames(dag.gitDir, ['main']);
      expect((await commitsIn(server)).names).toEqual(all);
      await fsckBoth(server);
      await expectSameMergeBases(server, all);
    } finally {
      await srv.stop();
    }
  });

  it('offers only the commits the new tip reaches and the old one does not (git rev-list NEW ^OLD), not the history behind a merged fork', async () => {
    const { repo: server, served: srv } = await serveRepo();
    try {
      const c = await client();
      expect((await push(c, srv.url, 'merged:main')).code).toBe(0);
      const r = await push(c, srv.url, 'main:main');
      expect(r.code, r.stderr).toBe(0);
      // G's history beyond M: G F N E Q P Z R. Y, X, B and A are behind M (Y through Z, A through P)
      // and are not offered again. Each node's tree is one dirtree and one file of its own (the root
      // dirmeta is the server's already): three objects per commit offered.
      const fresh = await gitNames(dag.gitDir, ['main', '^merged']);
      expect(fresh).toEqual(['E', 'F', 'G', 'N', 'P', 'Q', 'R', 'Z']);
      const listed = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).progress).find((p) => p?.phase === 'negotiating' && p.totalObjects > 0);
      expect(listed.totalObjects).toBe(3 * fresh.length);
      expect(JSON.parse(r.stdout).objectsSent).toBe(3 * fresh.length);
      expect((await commitsIn(server)).names).toEqual(await gitNames(dag.gitDir, ['main']));
      await fsckBoth(server);
    } finally {
      await srv.stop();
    }
  });

  it('refuses to push a commit whose osgit.merge-parents is malformed (OBJECT_CORRUPT), sending nothing', async () => {
    const { repo: server, served: srv } = await serveRepo();
    try {
      const { repo } = await badCopy();
      expect((await push(repo, srv.url, 'main:main')).code).toBe(0);
      const before = (await commitsIn(server)).names;
      const r = await push(repo, srv.url, 'bad:main');
      expect(r.code).not.toBe(0);
      expect(JSON.parse(r.stdout).error.code).toBe('OBJECT_CORRUPT');
      expect((await fs.readFile(join(server, 'refs', 'heads', 'main'), 'utf8')).trim()).toBe(dag.osgit.get('G'));
      expect((await commitsIn(server)).names).toEqual(before);
    } finally {
      await srv.stop();
    }
  });

  it('accepts a push that reaches the old tip only through a merge parent (a fast-forward, as in git); refuses a true non-fast-forward', async () => {
    const { repo: server, served: srv } = await serveRepo();
    try {
      const c = await client();
      // Y is not on G's first-parent chain (G F N E M C B A): only M's and Z's second parent reach it.
      expect(await gitNames(dag.gitDir, ['--first-parent', 'main'])).not.toContain('Y');
      expect((await git(dag.gitDir, ['merge-base', '--is-ancestor', 'y', 'main'])).code).toBe(0);
      expect((await push(c, srv.url, 'y:main')).code).toBe(0);
      const ff = await push(c, srv.url, 'main:main');
      expect(ff.code, ff.stderr).toBe(0);
      expect(JSON.parse(ff.stdout).refs).toEqual([{ ref: 'main', old: dag.osgit.get('Y'), new: dag.osgit.get('G'), status: 'fast-forward' }]);
      // Only what Y's history lacked went over: every commit of main but A, B, X, Y.
      expect(JSON.parse(ff.stdout).objectsStored).toBeGreaterThan(0);
      expect((await commitsIn(server)).names).toEqual(await gitNames(dag.gitDir, ['main']));
      await fsckBoth(server);

      // Z is not in G's history (it came after Y on topic), and M is behind G: both refused, nothing moves.
      for (const rev of ['topic', 'merged']) {
        expect((await git(dag.gitDir, ['merge-base', '--is-ancestor', 'main', rev]).catch(() => ({ code: 1 }))).code).not.toBe(0);
        const r = await push(c, srv.url, `${rev}:main`);
        expect([r.code, JSON.parse(r.stdout).error.code], rev).toEqual([9, 'PUSH_REJECTED']);
        expect(JSON.parse(r.stdout).error.message).toMatch(/not a fast-forward/);
        expect((await fs.readFile(join(server, 'refs', 'heads', 'main'), 'utf8')).trim()).toBe(dag.osgit.get('G'));
      }
    } finally {
      await srv.stop();
    }
  });
});
