// Merges agree with git where the two overlap: the same histories, built from the same file trees
// in git and in osgit, give the same fast-forward decisions, the same merged files (content and
// executable bit) for clean merges, the same set of conflicting paths, and the same -X results.
// osgit merges through its CLI (`osgit merge --into`); git through `git merge-tree --write-tree`
// (ort, as `git merge` does) and, for -X, a real `git merge` in a work tree.
import { lstatSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, lastLine, expectChecksum } from './helpers/tools.js';
import {
  GIT, git, gitWith, gitCommitTree, gitIsAncestor, gitLsTree, gitMergeTree, initGitRepo, writeFiles, type GitFileSpec,
} from './helpers/git.js';
import { writeCommitObject } from './helpers/dag.js';
import { Repo, Transaction, MergeObjects, mergeCommits, updateRef, type Checksum } from '../packages/store/src/index.js';

const tmp = tempDirs('merge-git');
afterAll(() => tmp.cleanup());

type Tree = Readonly<Record<string, GitFileSpec>>;
interface Node { name: string; parents?: string[]; files: Tree }

/** One history in both systems; `ids` maps a node to [osgit commit, git commit]. */
interface History { repo: Repo; repoPath: string; gitDir: string; ids: Map<string, [Checksum, string]> }

let seq = 0;
async function build(nodes: Node[], branches: Record<string, string>): Promise<History> {
  const dir = tmp.make(`h${seq++}`);
  const repoPath = join(dir, 'repo');
  await osgitOk(['init', '--repo', repoPath, '--mode', 'archive']);
  const repo = await Repo.open(repoPath);
  const gitDir = join(dir, 'git');
  await initGitRepo(gitDir);
  const ids = new Map<string, [Checksum, string]>();
  for (const [i, node] of nodes.entries()) {
    const work = join(dir, `work-${node.name}`);
    await writeFiles(work, node.files);
    const parents = (node.parents ?? []).map((p) => ids.get(p)!);
    const time = 1_700_000_000 + 60 * i;
    const o = await writeCommitObject(repo, work, { parents: parents.map((p) => p[0]), subject: node.name, timestamp: BigInt(time) });
    const g = await gitCommitTree(gitDir, node.files, { message: node.name, date: time, parents: parents.map((p) => p[1]) });
    rmSync(work, { recursive: true, force: true });
    ids.set(node.name, [o, g]);
  }
  for (const [branch, node] of Object.entries(branches)) {
    await updateRef(repo, { ref: { remote: null, name: branch }, expected: undefined, value: ids.get(node)![0] });
    await git(gitDir, 'update-ref', `refs/heads/${branch}`, ids.get(node)![1]);
  }
  return { repo, repoPath, gitDir, ids };
}

/** `osgit merge --json --into main topic`: the parsed document and the exit code. */
async function osgitMerge(h: History, extra: string[] = []): Promise<{ code: number; doc: any }> {
  const r = await osgit(['merge', '--repo', h.repoPath, '--json', '--into', 'main', ...extra, 'topic']);
  return { code: r.code, doc: JSON.parse(r.stdout) };
}

/** Every file of an osgit commit as git would record it: path → "MODE content". */
async function osgitFiles(h: History, commit: Checksum): Promise<Map<string, string>> {
  const out = tmp.path('co');
  await osgitOk(['checkout', '--repo', h.repoPath, commit, out]);
  const files = new Map<string, string>();
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const rel = prefix ? `${prefix}/${name}` : name;
      if (st.isDirectory()) walk(p, rel);
      else if (st.isSymbolicLink()) files.set(rel, `120000 ${readlinkSync(p)}`);
      else files.set(rel, `${st.mode & 0o111 ? '100755' : '100644'} ${readFileSync(p, 'latin1')}`);
    }
  };
  walk(out, '');
  rmSync(out, { recursive: true, force: true });
  return files;
}

/** The same for a git tree. */
async function gitFiles(h: History, tree: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [path, e] of await gitLsTree(h.gitDir, tree)) {
    const content = await gitWith(h.gitDir, ['cat-file', '-p', e.id]);
    files.set(path, `${e.mode} ${content}`);
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const L = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
const NINE = L('1', '2', '3', '4', '5', '6', '7', '8', '9');

/** A base, our edit and their edit, each a whole tree: main = ours, topic = theirs. */
function vee(base: Tree, ours: Tree, theirs: Tree): [Node[], Record<string, string>] {
  return [[{ name: 'A', files: base }, { name: 'O', parents: ['A'], files: ours }, { name: 'T', parents: ['A'], files: theirs }], { main: 'O', topic: 'T' }];
}

const CASES: Record<string, [Node[], Record<string, string>]> = {
  'disjoint edits in different files': vee(
    { a: 'a\n', b: 'b\n', 'd/c': 'c\n', 'x/y/z': 'z\n' },
    { a: 'A\n', b: 'b\n', 'd/c': 'c\n', 'x/y/z': 'z\n', 'new-ours': 'n\n' },
    { a: 'a\n', b: 'b\n', 'd/c': 'C\n', 'x/y/z': 'z\n', 'd/new-theirs': 'n\n' },
  ),
  'same file, different hunks': vee({ f: NINE }, { f: NINE.replace('2\n', 'two\n') }, { f: NINE.replace('8\n', 'eight\n') }),
  'same hunk': vee({ f: NINE, g: 'g\n' }, { f: NINE.replace('5\n', 'five\n') }, { f: NINE.replace('5\n', 'FIVE\n'), g: 'G\n' }),
  'add/add': vee({ base: 'b\n' }, { base: 'b\n', both: 'ours\n', same: 's\n' }, { base: 'b\n', both: 'theirs\n', same: 's\n' }),
  'modify/delete and delete/modify': vee(
    { m: 'm\n', d: 'd\n', k: 'k\n' }, { m: 'M\n', k: 'k\n' }, { d: 'D\n', k: 'k\n' },
  ),
  'file versus directory': vee({ keep: 'k\n', fd: 'x\n' }, { keep: 'k\n', fd: 'y\n' }, { keep: 'k\n', 'fd/inner': 'z\n' }),
  'mode change on one side, content on the other': vee(
    { run: 'echo 1\n', other: 'o\n' }, { run: { content: 'echo 1\n', mode: 0o755 }, other: 'o\n' }, { run: 'echo 2\n', other: 'O\n' },
  ),
  'symlinks': vee(
    { l: { symlink: 'a' }, m: { symlink: 'x' } }, { l: { symlink: 'b' }, m: { symlink: 'x' } }, { l: { symlink: 'a' }, m: { symlink: 'y' } },
  ),
  'fast-forward': [[{ name: 'A', files: { f: 'a\n' } }, { name: 'B', parents: ['A'], files: { f: 'b\n' } }], { main: 'A', topic: 'B' }],
  'up to date': [[{ name: 'A', files: { f: 'a\n' } }, { name: 'B', parents: ['A'], files: { f: 'b\n' } }], { main: 'B', topic: 'A' }],
  // Two merge bases (B1, C1). Ours undoes C1's edit of line 8; against the virtual base (B1 and
  // C1 merged) that is a change ours made and theirs did not, so line 8 goes back to "8", as in
  // git. With B1 alone as the base it would wrongly stay "c".
  'criss-cross history': [[
    { name: 'A', files: { f: NINE } },
    { name: 'B1', parents: ['A'], files: { f: NINE.replace('2\n', 'b\n') } },
    { name: 'C1', parents: ['A'], files: { f: NINE.replace('8\n', 'c\n') } },
    { name: 'B2', parents: ['B1', 'C1'], files: { f: NINE.replace('2\n', 'b\n').replace('8\n', 'c\n') } },
    { name: 'C2', parents: ['C1', 'B1'], files: { f: NINE.replace('2\n', 'b\n').replace('8\n', 'c\n'), g: 'g\n' } },
    { name: 'O', parents: ['B2'], files: { f: NINE.replace('2\n', 'b\n') } },
    { name: 'T', parents: ['C2'], files: { f: NINE.replace('2\n', 'b\n').replace('8\n', 'c\n').replace('4\n', 'four\n'), g: 'g\n' } },
  ], { main: 'O', topic: 'T' }],
  // Three merge bases (B1, B2, B3: both sides merged all three): folded into one virtual base.
  'three merge bases': [[
    { name: 'A', files: { f: NINE } },
    { name: 'B1', parents: ['A'], files: { f: NINE.replace('1\n', 'b1\n') } },
    { name: 'B2', parents: ['A'], files: { f: NINE.replace('5\n', 'b2\n') } },
    { name: 'B3', parents: ['A'], files: { f: NINE.replace('9\n', 'b3\n') } },
    { name: 'X', parents: ['B1', 'B2', 'B3'], files: { f: NINE.replace('1\n', 'b1\n').replace('5\n', 'b2\n').replace('9\n', 'b3\n') } },
    { name: 'Y', parents: ['B3', 'B2', 'B1'], files: { f: NINE.replace('1\n', 'b1\n').replace('5\n', 'b2\n').replace('9\n', 'b3\n'), y: 'y\n' } },
    { name: 'O', parents: ['X'], files: { f: NINE.replace('5\n', 'b2\n').replace('9\n', 'b3\n') } },
    { name: 'T', parents: ['Y'], files: { f: NINE.replace('1\n', 'b1\n').replace('5\n', 'b2\n').replace('9\n', 'b3\n').replace('3\n', 'three\n'), y: 'y\n' } },
  ], { main: 'O', topic: 'T' }],
};

describe.skipIf(!GIT)('osgit merge agrees with git', () => {
  beforeAll(async () => {
    expect((await git(tmp.make('v'), 'version')).trim()).toMatch(/^git version 2\.(3[89]|[4-9]\d)/); // merge-tree --write-tree
  });

  for (const [name, [nodes, branches]] of Object.entries(CASES)) {
    it(name, async () => {
      const h = await build(nodes, branches);
      const [ours, theirs] = [h.ids.get(branches.main!)!, h.ids.get(branches.topic!)!];
      const m = await osgitMerge(h);
      if (await gitIsAncestor(h.gitDir, 'topic', 'main')) {
        expect(m.doc.kind).toBe('up-to-date');
        return;
      }
      if (await gitIsAncestor(h.gitDir, 'main', 'topic')) {
        expect(m.doc.kind).toBe('fast-forward');
        expect(m.doc.commit).toBe(theirs[0]);
        return;
      }
      const g = await gitMergeTree(h.gitDir, 'main', 'topic');
      if (g.clean) {
        expect(m.code, JSON.stringify(m.doc)).toBe(0);
        expect(m.doc.kind).toBe('merged');
        expect(await osgitFiles(h, m.doc.commit)).toEqual(await gitFiles(h, g.tree));
        // A merge commit: first parent ours (OSTree's parent), theirs in osgit.merge-parents.
        const c = await h.repo.readCommit(m.doc.commit);
        expect(c.parent).toBe(ours[0]);
        expect(c.metadata.find(([k]) => k === 'osgit.merge-parents')?.[1].value).toEqual([theirs[0]]);
      } else {
        expect(m.code).toBe(5);
        expect(m.doc.error.code).toBe('MERGE_CONFLICT');
        const paths = [...new Set((m.doc.error.data.conflicts as Array<{ path: string }>).map((c) => c.path.slice(1)))].sort();
        expect(paths).toEqual(g.conflicts);
        // Nothing moved.
        expect((await osgitOk(['rev-parse', '--repo', h.repoPath, 'main'])).stdout.trim()).toBe(ours[0]);
      }
    });
  }

  for (const favor of ['ours', 'theirs'] as const) {
    it(`-X ${favor} gives git's -X ${favor} result`, async () => {
      const [nodes, branches] = vee(
        { f: NINE, run: 'echo 1\n', bin: 'a\0b' },
        { f: NINE.replace('2\n', 'two\n').replace('5\n', 'five\n'), run: { content: 'echo 1\n', mode: 0o755 }, bin: 'o\0b' },
        { f: NINE.replace('5\n', 'FIVE\n').replace('8\n', 'eight\n'), run: 'echo 2\n', bin: 't\0b' },
      );
      const h = await build(nodes, branches);
      const m = await osgitMerge(h, ['-X', favor]);
      expect(m.code, JSON.stringify(m.doc)).toBe(0);
      const work = tmp.make('gitwork');
      await git(work, 'init', '-q');
      await git(work, 'fetch', '-q', h.gitDir, 'main:main', 'topic:topic');
      await git(work, 'checkout', '-q', 'main');
      await gitWith(work, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'merge', '-q', '--no-edit', '-X', favor, 'topic']);
      const tree = (await git(work, 'rev-parse', 'HEAD^{tree}')).trim();
      expect(await osgitFiles(h, m.doc.commit)).toEqual(await gitFiles({ ...h, gitDir: work }, tree));
    });
  }

  it('refuses unrelated histories unless allowed, as git does', async () => {
    const h = await build([{ name: 'X', files: { a: 'a\n' } }, { name: 'Y', files: { b: 'b\n' } }], { main: 'X', topic: 'Y' });
    const refused = await osgitMerge(h);
    expect(refused.code).toBe(2);
    expect(refused.doc.error.code).toBe('UNRELATED_HISTORIES');
    const g = await gitMergeTree(h.gitDir, 'main', 'topic', ['--allow-unrelated-histories']);
    const m = await osgitMerge(h, ['--allow-unrelated-histories']);
    expect(m.code).toBe(0);
    expect(await osgitFiles(h, m.doc.commit)).toEqual(await gitFiles(h, g.tree));
  });
});

describe('a merge of a large tree', () => {
  it('reads only the subtrees both sides changed below', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) for (let j = 0; j < 10; j++) for (let k = 0; k < 3; k++) files[`top${i}/mid${j}/f${k}`] = `${i}.${j}.${k}\n`;
    const oursChanged = ['top0/mid0/f0', 'top0/mid1/f0', 'top1/mid0/f1', 'top5/mid5/f2', 'top9/mid9/f0'];
    const theirsChanged = ['top0/mid0/f2', 'top1/mid3/f0', 'top2/mid0/f0', 'top7/mid7/f1', 'top9/mid9/f2'];
    const ours = { ...files, ...Object.fromEntries(oursChanged.map((p) => [p, 'ours\n'])) };
    const theirs = { ...files, ...Object.fromEntries(theirsChanged.map((p) => [p, 'theirs\n'])) };
    const h = await build(vee(files, ours, theirs)[0], { main: 'O', topic: 'T' });
    // A folder is read (base, ours and theirs: 3 reads) only if both sides changed something in it.
    const dirsOf = (paths: string[]): Set<string> => new Set(paths.flatMap((p) => {
      const parts = p.split('/');
      return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/')).concat('');
    }));
    const [a, b] = [dirsOf(oursChanged), dirsOf(theirsChanged)];
    const shared = [...a].filter((d) => b.has(d));
    expect(shared.sort()).toEqual(['', 'top0', 'top0/mid0', 'top1', 'top9', 'top9/mid9']);
    const tx = await Transaction.begin(h.repo);
    try {
      const r = await mergeCommits(new MergeObjects(h.repo, tx), h.ids.get('O')![0], h.ids.get('T')![0]);
      expect(r.kind).toBe('merged');
      if (r.kind !== 'merged') return;
      expect(r.conflicts).toEqual([]);
      expect(r.stats.treesRead).toBe(3 * shared.length);
    } finally {
      await tx.abort();
    }
  });
});

describe('osgit merge --into (bad input)', () => {
  it('names a missing branch, refuses --no-ff with --ff-only, and refuses --ff-only on diverged histories', async () => {
    const [nodes, branches] = vee({ f: 'a\n' }, { f: 'a\n', o: 'o\n' }, { f: 'a\n', t: 't\n' });
    const h = await build(nodes, branches);
    const before = h.ids.get('O')![0];
    const missing = await osgit(['merge', '--repo', h.repoPath, '--into', 'nope', 'topic']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/branch nope does not exist/);
    const both = await osgit(['merge', '--repo', h.repoPath, '--into', 'main', '--no-ff', '--ff-only', 'topic']);
    expect(both.code).toBe(2);
    const ffOnly = await osgit(['merge', '--repo', h.repoPath, '--into', 'main', '--ff-only', 'topic']);
    expect(ffOnly.code).toBe(2);
    expect(ffOnly.stderr).toMatch(/cannot fast-forward main/);
    const noInto = await osgit(['merge', '--repo', h.repoPath, 'topic']);
    expect(noInto.code).not.toBe(0);
    expect(expectChecksum(lastLine((await osgitOk(['rev-parse', '--repo', h.repoPath, 'main'])).stdout))).toBe(before);
  });
});
