// `osgit bisect` names the same first bad commit as `git bisect`: the same histories (linear, with
// merges, with skipped commits) are built in git and in osgit from the same file trees, where
// marker.txt says BAD from a chosen commit on (in every commit that has it in its history) and a
// skip.txt marks a commit its test cannot judge; `git bisect run` and `osgit bisect run` run the
// same test and their answers are compared by commit subject. Then manual marks, the log replayed,
// the --checkout folder, and the refusals (each changing nothing).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Repo } from '../packages/store/src/index.js';
import { buildDag, type BuiltDag, type DagNodeSpec } from './helpers/dag.js';
import { GIT, gitRun } from './helpers/git.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, runOk, startOsgit } from './helpers/tools.js';

const tmp = tempDirs('bisect-git');
afterAll(() => tmp.cleanup());

/** The test both sides run, as a script file: `check.sh DIR` judges the tree checked out at DIR. */
const CHECK_SH = `#!/bin/sh
test -f "$1/skip.txt" && exit 125
grep -q BAD "$1/marker.txt" && exit 1
exit 0
`;
/** The same test as an inline shell string: osgit gives the checkout as $1. */
const INLINE = 'test -f "$1/skip.txt" && exit 125; grep -q BAD "$1/marker.txt" && exit 1; exit 0';

interface Shape {
  /** nodes, parents first, with no files: the trees are made from `firstBad` and `skips` */
  nodes: DagNodeSpec[];
  good: string[];
  bad: string;
}

/** Ancestors of `name` in `nodes`, itself included (computed from the spec, not by osgit). */
function ancestorsInSpec(nodes: readonly DagNodeSpec[], name: string): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const seen = new Set<string>([name]);
  const todo = [name];
  while (todo.length > 0) for (const p of byName.get(todo.pop()!)?.parents ?? []) if (!seen.has(p)) (seen.add(p), todo.push(p));
  return seen;
}

/** The shape with trees: marker.txt BAD where `firstBad` is in the history, skip.txt on `skips`. */
function withTrees(shape: Shape, firstBad: string, skips: readonly string[] = []): DagNodeSpec[] {
  return shape.nodes.map((n) => {
    const files: Record<string, string> = {
      'marker.txt': ancestorsInSpec(shape.nodes, n.name).has(firstBad) ? 'BAD\n' : 'ok\n',
      [`log/${n.name}.txt`]: `${n.name}\n`,
    };
    if (skips.includes(n.name)) files['skip.txt'] = 'cannot test\n';
    return { ...n, files };
  });
}

function linear(n: number): Shape {
  const nodes = Array.from({ length: n }, (_, i) => ({ name: `c${i + 1}`, ...(i > 0 ? { parents: [`c${i}`] } : {}) }));
  return { nodes, good: ['c1'], bad: `c${n}` };
}

/**
 * main m1..m6, a side branch s1..s5 forked at m2 and merged at M (first parent m6), then t1..t3;
 * good m1, bad t3.
 */
const MERGED: Shape = {
  nodes: [
    { name: 'm1' }, { name: 'm2', parents: ['m1'] }, { name: 's1', parents: ['m2'] }, { name: 'm3', parents: ['m2'] },
    { name: 's2', parents: ['s1'] }, { name: 'm4', parents: ['m3'] }, { name: 's3', parents: ['s2'] }, { name: 'm5', parents: ['m4'] },
    { name: 's4', parents: ['s3'] }, { name: 'm6', parents: ['m5'] }, { name: 's5', parents: ['s4'] },
    { name: 'M', parents: ['m6', 's5'] }, { name: 't1', parents: ['M'] }, { name: 't2', parents: ['t1'] }, { name: 't3', parents: ['t2'] },
  ],
  good: ['m1'],
  bad: 't3',
};

interface Built {
  dag: BuiltDag;
  repo: Repo;
  /** a git clone with a work tree (git bisect checks commits out) */
  work: string;
  check: string;
}

async function build(nodes: DagNodeSpec[], tip: string): Promise<Built> {
  const repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'bare-user' });
  const gitDir = tmp.path('git', 'git');
  const dag = await buildDag(repo, gitDir, nodes, { main: tip });
  const work = tmp.path('work', 'work');
  await runOk(GIT!, ['clone', '-q', '-b', 'main', gitDir, work]);
  const check = join(tmp.make('check'), 'check.sh');
  await writeFile(check, CHECK_SH);
  await chmod(check, 0o755);
  return { dag, repo, work, check };
}

/** What a bisect run answered: the first bad commit, or the commits that could be it (sorted subjects). */
type Answer = { found: string } | { undecided: string[] };

async function gitBisectRun(b: Built, shape: Shape): Promise<Answer> {
  const ids = (names: string[]) => names.map((n) => b.dag.git.get(n)!);
  const start = await gitRun(b.work, ['bisect', 'start', ...ids([shape.bad]), ...ids(shape.good)]);
  expect(start.code, start.stderr).toBe(0);
  // git runs the test in its work tree: the script gets "." as the tree to judge.
  const r = await gitRun(b.work, ['bisect', 'run', b.check, '.']);
  const found = /^([0-9a-f]{40}) is the first bad commit$/m.exec(r.stdout);
  if (found) return { found: b.dag.nameOf(found[1]!) };
  const list = /The first bad commit could be any of:\n([\s\S]*?)\nWe cannot bisect more!/.exec(r.stdout);
  if (list) return { undecided: list[1]!.split('\n').map((id) => b.dag.nameOf(id.trim())).sort() };
  throw new Error(`git bisect run gave no answer (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
}

async function osgitBisectRun(b: Built, shape: Shape, test: string[]): Promise<{ answer: Answer; code: number; json: any }> {
  const ids = (names: string[]) => names.map((n) => b.dag.osgit.get(n)!);
  const start = await osgit(['bisect', 'start', '--repo', b.repo.path, ...ids([shape.bad]), ...ids(shape.good)]);
  expect(start.code, start.stderr).toBe(0);
  const r = await osgit(['bisect', 'run', '--repo', b.repo.path, '--json', '--', ...test]);
  const json = JSON.parse(r.stdout);
  if (!json.step) throw new Error(`osgit bisect run gave no answer (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  const answer: Answer = json.step.status === 'found'
    ? { found: b.dag.nameOf(json.step.commit) }
    : { undecided: json.step.candidates.map((c: { commit: string }) => b.dag.nameOf(c.commit)).sort() };
  return { answer, code: r.code, json };
}

describe.skipIf(!GIT)('osgit bisect run agrees with git bisect run', () => {
  const cases: Array<[string, Shape, string, string[], 'file' | 'inline']> = [
    ['linear 30, the first candidate is the first bad', linear(30), 'c2', [], 'inline'],
    ['linear 30, first bad in the middle', linear(30), 'c17', [], 'file'],
    ['linear 30, first bad near the end', linear(30), 'c29', [], 'inline'],
    ['linear 30, only the bad commit itself is bad', linear(30), 'c30', [], 'file'],
    ['merges, bad introduced on the side branch', MERGED, 's3', [], 'file'],
    ['merges, bad introduced on the main line before the merge', MERGED, 'm4', [], 'inline'],
    ['merges, bad introduced by the merge commit itself', MERGED, 'M', [], 'file'],
    ['linear 30 with skipped commits away from the answer', linear(30), 'c15', ['c5', 'c6', 'c8', 'c20', 'c21', 'c22'], 'inline'],
    ['merges with skipped commits on both lines', MERGED, 's4', ['m3', 's2', 't1'], 'file'],
  ];
  it.each(cases)('%s', async (_title, shape, firstBad, skips, form) => {
    const b = await build(withTrees(shape, firstBad, skips), shape.bad);
    const theirs = await gitBisectRun(b, shape);
    const ours = await osgitBisectRun(b, shape, form === 'file' ? [b.check] : [INLINE]);
    expect(theirs).toEqual({ found: firstBad });
    expect(ours.answer).toEqual(theirs);
    expect(ours.code).toBe(0);
    // Every tested commit got the verdict its tree calls for, and none was tested twice.
    const tested = ours.json.tested as Array<{ commit: string; verdict: string; exitCode: number }>;
    for (const t of tested) {
      const name = b.dag.nameOf(t.commit);
      const want = skips.includes(name) ? 'skip' : ancestorsInSpec(shape.nodes, name).has(firstBad) ? 'bad' : 'good';
      expect(t.verdict, name).toBe(want);
    }
    expect(new Set(tested.map((t) => t.commit)).size).toBe(tested.length);
  });

  it('reports the same commits as git when skips make the answer undecidable', async () => {
    const shape = linear(12);
    const b = await build(withTrees(shape, 'c7', ['c5', 'c6', 'c7']), shape.bad);
    const theirs = await gitBisectRun(b, shape);
    expect(theirs).toEqual({ undecided: ['c5', 'c6', 'c7', 'c8'] });
    const ours = await osgitBisectRun(b, shape, [INLINE]);
    expect(ours.answer).toEqual(theirs);
    expect(ours.code).toBe(2); // as git's bisect run: no answer is a failure
    const log = (await osgit(['bisect', 'log', '--repo', b.repo.path])).stdout;
    expect(log).toContain('# only skipped commits left to test');
  });
});

describe.skipIf(!GIT)('osgit bisect by hand', () => {
  it('reaches git\'s answer by good/bad marks, and its log replays to the same state', async () => {
    const shape = MERGED;
    const b = await build(withTrees(shape, 's3'), shape.bad);
    const expected = await gitBisectRun(b, shape);
    const R = ['--repo', b.repo.path];
    const dir = join(tmp.make('co'), 'under-test');
    let out = await osgit(['bisect', 'start', ...R, '--checkout', dir, 'main', b.dag.osgit.get('m1')!]);
    expect(out.code, out.stderr).toBe(0);
    let steps = 0;
    while (/^Bisecting: \d+ revisions? left to test after this \(roughly \d+ steps?\)$/m.test(out.stdout)) {
      const commit = /^\[([0-9a-f]{64})\] (\S+)$/m.exec(out.stdout)!;
      // The --checkout folder holds the commit under test.
      expect(readFileSync(join(dir, 'log', `${commit[2]}.txt`), 'utf8')).toBe(`${commit[2]}\n`);
      const bad = readFileSync(join(dir, 'marker.txt'), 'utf8').includes('BAD');
      out = await osgit(['bisect', bad ? 'bad' : 'good', ...R]);
      expect(out.code, out.stderr).toBe(0);
      expect(++steps).toBeLessThan(10);
    }
    const found = /^([0-9a-f]{64}) is the first bad commit$/m.exec(out.stdout);
    expect(found && { found: b.dag.nameOf(found[1]!) }).toEqual(expected);

    // Replay the log's commands into a new bisection: the same answer, the same log.
    const log = (await osgit(['bisect', 'log', ...R])).stdout;
    const commands = log.split('\n').filter((l) => l.startsWith('osgit bisect '));
    expect(commands[0]).toMatch(/^osgit bisect start --checkout \S+ [0-9a-f]{64} [0-9a-f]{64}$/);
    expect((await osgit(['bisect', 'reset', ...R])).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
    let last = '';
    for (const line of commands) {
      const r = await osgit([...line.split(' ').slice(1), ...R]);
      expect(r.code, `${line}\n${r.stderr}`).toBe(0);
      last = r.stdout;
    }
    expect(last).toContain(`${found![1]} is the first bad commit`);
    expect((await osgit(['bisect', 'log', ...R])).stdout).toBe(log);
    await osgit(['bisect', 'reset', ...R]);
  });
});

describe.skipIf(!GIT)('osgit bisect refuses bad input, changing nothing', () => {
  let b: Built;
  const shape = linear(8);
  const R = () => ['--repo', b.repo.path];
  const errorOf = (stdout: string) => JSON.parse(stdout).error as { code: string; exitCode: number; data?: Record<string, unknown> };

  it('refuses good, bad, skip, log and run before start', async () => {
    b = await build(withTrees(shape, 'c5'), shape.bad);
    for (const args of [['good'], ['bad', 'main'], ['skip'], ['log'], ['run', 'true']]) {
      const r = await osgit(['bisect', ...args, ...R(), '--json']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(errorOf(r.stdout).code).toBe('BISECT_STATE');
    }
    expect(existsSync(join(b.repo.path, 'osgit', 'bisect'))).toBe(false);
  });

  it('refuses an unknown revision and a good commit that is not an ancestor of the bad one', async () => {
    const unknown = await osgit(['bisect', 'start', ...R(), '--json', 'main', 'no-such-rev']);
    expect([unknown.code, errorOf(unknown.stdout).code]).toEqual([2, 'REV_INVALID']);
    const backwards = await osgit(['bisect', 'start', ...R(), '--json', 'main~6', 'main']);
    expect([backwards.code, errorOf(backwards.stdout).code]).toEqual([2, 'BISECT_STATE']);
    expect(errorOf(backwards.stdout).data).toMatchObject({ reason: 'good-not-ancestor' });
    expect(backwards.stderr).toContain('is not an ancestor of the bad commit');
    expect(existsSync(join(b.repo.path, 'osgit', 'bisect'))).toBe(false);
  });

  it('stops, as git does, when the command does not exist (127 on a good commit too)', async () => {
    const ids = (n: string) => b.dag.git.get(n)!;
    await gitRun(b.work, ['bisect', 'start', ids('c8'), ids('c1')]);
    const theirs = await gitRun(b.work, ['bisect', 'run', './no-such-command']);
    await gitRun(b.work, ['bisect', 'reset']);
    expect(theirs.code).not.toBe(0);
    expect(theirs.stderr).toContain('bogus exit code 127 for good revision');

    expect((await osgit(['bisect', 'start', ...R(), 'main', 'main~7'])).code).toBe(0);
    const ours = await osgit(['bisect', 'run', ...R(), '--json', '--', './no-such-command']);
    expect(ours.code).toBe(2);
    expect(errorOf(ours.stdout)).toMatchObject({ code: 'BISECT_STATE', data: { reason: 'test-failed', exitCode: 127 } });
    // Nothing was marked: the log is still the start alone.
    const log = (await osgit(['bisect', 'log', ...R()])).stdout.split('\n').filter((l) => l.startsWith('osgit '));
    expect(log).toHaveLength(1);
    await osgit(['bisect', 'reset', ...R()]);
  });

  it('stops, as git does, when the test is killed by a signal, keeping the state', async () => {
    const ids = (n: string) => b.dag.git.get(n)!;
    await gitRun(b.work, ['bisect', 'start', ids('c8'), ids('c1')]);
    const theirs = await gitRun(b.work, ['bisect', 'run', 'sh', '-c', 'kill -KILL $$']);
    await gitRun(b.work, ['bisect', 'reset']);
    expect(theirs.code).not.toBe(0);
    expect(theirs.stderr).toContain('bisect run failed');

    expect((await osgit(['bisect', 'start', ...R(), 'main', 'main~7'])).code).toBe(0);
    // The test's own shell killed: osgit sees the signal.
    const ours = await osgit(['bisect', 'run', ...R(), '--json', 'kill -KILL $$']);
    expect(ours.code).toBe(2);
    expect(errorOf(ours.stdout)).toMatchObject({ code: 'BISECT_STATE', data: { reason: 'test-failed', signal: 'SIGKILL' } });
    // A command the test runs killed: its shell answers 128 + 9, which stops the run as in git.
    const killed = await osgit(['bisect', 'run', ...R(), '--json', "sh -c 'kill -KILL $$'"]);
    expect(errorOf(killed.stdout)).toMatchObject({ code: 'BISECT_STATE', data: { reason: 'test-failed', exitCode: 137 } });
    expect((await osgit(['bisect', 'log', ...R()])).code).toBe(0);
    // No checkout is left behind in the repository's tmp/.
    expect(readdirSync(join(b.repo.path, 'tmp')).filter((n) => n.startsWith('osgit-bisect-'))).toEqual([]);
    await osgit(['bisect', 'reset', ...R()]);
  });

  it('stops on Ctrl-C after the test in progress, removing its checkout and keeping the marks', async () => {
    expect((await osgit(['bisect', 'start', ...R(), 'main', 'main~7'])).code).toBe(0);
    const flag = join(tmp.make('flag'), 'started');
    // A terminal's Ctrl-C reaches the whole process group: osgit, the shell and its sleep.
    const run = startOsgit(['bisect', 'run', ...R(), '--json', `touch ${flag}; sleep 60`]);
    for (let i = 0; i < 600 && !existsSync(flag); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(flag)).toBe(true);
    // Meanwhile another bisect command is refused (the run holds the bisect lock).
    const meanwhile = await osgit(['bisect', 'good', ...R(), '--json', 'main~7']);
    expect([meanwhile.code, errorOf(meanwhile.stdout).code]).toEqual([5, 'REPO_LOCKED']);
    run.killGroup('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(2);
    expect(errorOf(r.stdout)).toMatchObject({ code: 'BISECT_STATE', data: { reason: 'interrupted', signal: 'SIGINT' } });
    expect(readdirSync(join(b.repo.path, 'tmp')).filter((n) => n.startsWith('osgit-bisect-'))).toEqual([]);
    const log = (await osgit(['bisect', 'log', ...R()])).stdout.split('\n').filter((l) => l.startsWith('osgit '));
    expect(log).toHaveLength(1);
    await osgit(['bisect', 'reset', ...R()]);
  });

  it('refuses a shell command string followed by more arguments', async () => {
    expect((await osgit(['bisect', 'start', ...R(), 'main', 'main~7'])).code).toBe(0);
    const r = await osgit(['bisect', 'run', ...R(), '--json', '--', 'test -d "$1"', 'extra']);
    expect([r.code, errorOf(r.stdout).code]).toEqual([2, 'USAGE']);
    await osgit(['bisect', 'reset', ...R()]);
  });
});
