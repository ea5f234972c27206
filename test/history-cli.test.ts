// The history commands as a user runs them, checked against git on the same history (built by
// ./helpers/dag.ts in git and in osgit): log (date order, and --graph against git log --graph),
// show of a merge, rev-parse, branch, tag and reflog, with their exit codes and --json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, requireTool, runOk } from './helpers/tools.js';
import { buildDag, DAGS, git, type BuiltDag } from './helpers/dag.js';
import { Repo } from '@osgit/store';

const OSTREE = requireTool('ostree');
requireTool('git');
const tmp = tempDirs('history-cli');
afterAll(() => tmp.cleanup());

let dag: BuiltDag;
let repo: string;
const id = (n: string) => dag.osgit.get(n)!;

beforeAll(async () => {
  const r = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
  dag = await buildDag(r, tmp.path('git', 'git'), [
    ...DAGS.mergeThenBranch!,
    // an octopus merge of topic, main and a third line, to draw dashes and expansion rows
    { name: 'T1', parents: ['B'] }, { name: 'O', parents: ['Z', 'F', 'T1'] }, { name: 'P', parents: ['O'] },
  ], { main: 'F', topic: 'Z', all: 'P' });
  repo = r.path;
});

async function gitLog(args: string[]): Promise<string[]> {
  return (await git(dag.gitDir, ['log', ...args])).stdout.trimEnd().split('\n').map((l) => l.trimEnd());
}

describe('osgit log', () => {
  it('lists every commit over every parent in git log order', async () => {
    for (const branch of ['main', 'topic', 'all']) {
      const r = await osgitOk(['log', '--repo', repo, '--json', branch]);
      const subjects = (JSON.parse(r.stdout) as { commits: Array<{ subject: string }> }).commits.map((c) => c.subject);
      expect({ branch, subjects }).toEqual({ branch, subjects: await gitLog(['--format=%s', branch]) });
    }
  });

  it('--graph draws what git log --graph draws', async () => {
    for (const branch of ['main', 'topic', 'all']) {
      const out = (await osgitOk(['log', '--repo', repo, '--graph', branch])).stdout.trimEnd().split('\n');
      // osgit's commit lines read "GRAPH HASH7 SUBJECT", git's --format=%s "GRAPH SUBJECT".
      const lines = out.map((l) => l.replace(/[0-9a-f]{7} (?=\S+$)/, ''));
      expect({ branch, lines }).toEqual({ branch, lines: await gitLog(['--graph', '--format=%s', branch]) });
      // and each commit line names its commit
      const json = JSON.parse((await osgitOk(['log', '--repo', repo, '--json', '--graph', branch])).stdout) as { graph: Array<{ commit?: string }> };
      expect(out.map((l) => /([0-9a-f]{7}) \S+$/.exec(l)?.[1] ?? null)).toEqual(json.graph.map((l) => l.commit?.slice(0, 7) ?? null));
    }
  });

  it('shows several histories together, and every branch with --all, as git log does', async () => {
    for (const args of [['main', 'topic'], ['--all'], ['topic', 'main~2']]) {
      const out = (await osgitOk(['log', '--repo', repo, '--graph', ...args])).stdout.trimEnd().split('\n');
      const lines = out.map((l) => l.replace(/[0-9a-f]{7} (?=\S+$)/, ''));
      expect({ args, lines }).toEqual({ args, lines: await gitLog(['--graph', '--format=%s', ...args]) });
      const json = JSON.parse((await osgitOk(['log', '--repo', repo, '--json', ...args])).stdout) as { commits: Array<{ subject: string }> };
      expect({ args, subjects: json.commits.map((c) => c.subject) }).toEqual({ args, subjects: await gitLog(['--format=%s', ...args]) });
    }
  });

  it('--graph --json gives the lines and the commits in graph order', async () => {
    const r = JSON.parse((await osgitOk(['log', '--repo', repo, '--graph', '--json', 'main'])).stdout) as {
      commits: Array<{ commit: string; subject: string; parents: string[] }>; graph: Array<{ graph: string; commit?: string }>;
    };
    expect(r.commits.map((c) => c.subject)).toEqual(await gitLog(['--topo-order', '--format=%s', 'main']));
    expect(r.graph.filter((l) => l.commit).map((l) => l.commit)).toEqual(r.commits.map((c) => c.commit));
    expect(r.commits.find((c) => c.subject === 'M')!.parents).toEqual([id('C'), id('Y')]);
  });

  it.runIf(OSTREE)('prints what ostree log prints for a linear history', async () => {
    const ours = (await osgitOk(['log', '--repo', repo, 'main~2^2'])).stdout;
    const theirs = (await runOk(OSTREE!, ['log', `--repo=${repo}`, id('Y')])).stdout;
    expect(ours).toBe(theirs);
  });
});

describe('osgit show', () => {
  it('names every parent of a merge: a Merge: line, and parents in --json', async () => {
    const human = (await osgitOk(['show', '--repo', repo, 'main~2'])).stdout;
    expect(human).toContain(`Parent:  ${id('C')}\nMerge: ${id('C')} ${id('Y')}\n`);
    const json = JSON.parse((await osgitOk(['show', '--repo', repo, '--json', 'all~1'])).stdout) as { parents: string[]; parent: string };
    expect(json.parents).toEqual([id('Z'), id('F'), id('T1')]);
    expect(json.parent).toBe(id('Z'));
    expect((await osgitOk(['show', '--repo', repo, 'main'])).stdout).not.toContain('Merge:');
  });
});

describe('osgit rev-parse', () => {
  it('resolves ^N and ~N as git rev-parse does', async () => {
    for (const rev of ['all~1^2', 'all~1^3', 'all^^2~2', 'main~2^2~1', 'main^^^1', 'all~1^2~2^2']) {
      const ours = (await osgitOk(['rev-parse', '--repo', repo, rev])).stdout.trim();
      const theirs = (await git(dag.gitDir, ['rev-parse', rev])).stdout.trim();
      expect({ rev, commit: dag.nameOf(ours) }).toEqual({ rev, commit: dag.nameOf(theirs) });
    }
    const r = await osgit(['rev-parse', '--repo', repo, 'main^2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has 1 parent, no parent 2/);
  });

  it('refuses HEAD outside a worktree, saying why (exit 2)', async () => {
    const r = await osgit(['rev-parse', '--repo', repo, 'HEAD']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HEAD is only defined inside a worktree/);
  });
});

describe('osgit branch, tag and reflog', () => {
  it('creates, lists, renames and deletes branches, logging each change', async () => {
    expect((await osgitOk(['branch', '--repo', repo, 'fix', 'main~2^2'])).stdout).toBe(`Created branch fix at ${id('Y')}\n`);
    const list = JSON.parse((await osgitOk(['branch', '--repo', repo, '--json'])).stdout) as { branches: Array<{ name: string; commit: string; subject: string }> };
    expect(list.branches.map((b) => [b.name, b.subject])).toEqual([['all', 'P'], ['fix', 'Y'], ['main', 'F'], ['topic', 'Z']]);
    expect((await osgitOk(['branch', '--repo', repo])).stdout).toContain(`  fix   ${id('Y').slice(0, 7)} Y\n`);
    await osgitOk(['branch', '--repo', repo, '-m', 'fix', 'fix2']);
    const reflog = (await osgitOk(['reflog', '--repo', repo, 'fix2'])).stdout;
    expect(reflog).toBe(`${id('Y').slice(0, 7)} fix2@{0}: branch: renamed fix to fix2\n${id('Y').slice(0, 7)} fix2@{1}: branch: Created from main~2^2\n`);
    expect((await osgitOk(['branch', '--repo', repo, '-d', 'fix2'])).stdout).toBe(`Deleted branch fix2 (was ${id('Y')})\n`);
    expect((await osgit(['reflog', '--repo', repo, '--json', 'fix2'])).stdout).toContain('"entries": []');
  });

  it('refuses an unmerged branch unless -D, an existing name and a tags/ name, each with exit 2', async () => {
    await osgitOk(['branch', '--repo', repo, 'lonely', 'main']);
    await osgitOk(['commit', '--repo', repo, '-b', 'lonely', '-s', 'only here', '--timestamp=@1700009999', tmp.make('empty')]);
    const refused = await osgit(['branch', '--repo', repo, '-d', 'lonely']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/lose 1 commit .*--force/);
    const json = JSON.parse((await osgit(['branch', '--repo', repo, '--json', '-d', 'lonely'])).stdout) as { error: { code: string; data: { unmerged: number } } };
    expect(json.error).toMatchObject({ code: 'BRANCH_NOT_MERGED', data: { unmerged: 1 } });
    expect((await osgitOk(['branch', '--repo', repo, '-D', 'lonely'])).stdout).toMatch(/^Deleted branch lonely .*1 commit no other branch or tag holds\n$/);
    const exists = await osgit(['branch', '--repo', repo, 'main', 'topic']);
    expect([exists.code, exists.stderr]).toEqual([2, expect.stringMatching(/already exists/)]);
    const reserved = await osgit(['branch', '--repo', repo, 'tags/x', 'main']);
    expect([reserved.code, reserved.stderr]).toEqual([2, expect.stringMatching(/reserved for tags/)]);
    expect((await osgitOk(['rev-parse', '--repo', repo, 'main'])).stdout.trim()).toBe(id('F'));
  });

  it('tags a commit, refuses to move a tag without -f, lists and deletes tags', async () => {
    expect((await osgitOk(['tag', '--repo', repo, 'v1', 'main~1'])).stdout).toBe(`Tagged ${id('E')} as v1\n`);
    const again = await osgit(['tag', '--repo', repo, 'v1', 'main']);
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/tag v1 already exists.*-f/)]);
    await osgitOk(['tag', '--repo', repo, '-f', 'v1', 'main']);
    expect((await osgitOk(['rev-parse', '--repo', repo, 'v1'])).stdout.trim()).toBe(id('F'));
    expect((await osgitOk(['tag', '--repo', repo])).stdout).toBe('v1\n');
    expect((await osgitOk(['reflog', '--repo', repo, 'v1'])).stdout.split('\n')[0]).toBe(`${id('F').slice(0, 7)} v1@{0}: tag: moved to main`);
    expect((await osgitOk(['branch', '--repo', repo])).stdout).not.toContain('v1');
    await osgitOk(['tag', '--repo', repo, '-d', 'v1']);
    expect((await osgit(['tag', '--repo', repo, '-d', 'v1'])).code).toBe(2);
  });

  it('reflog needs a ref outside a worktree (exit 2)', async () => {
    const r = await osgit(['reflog', '--repo', repo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/name a ref/);
  });
});

describe('in a worktree', () => {
  it('HEAD is its branch: rev-parse, log, reflog and branch use it', async () => {
    const wt = tmp.path('wt', 'wt');
    await osgitOk(['branch', '--repo', repo, 'work', 'main~1']);
    await osgitOk(['worktree', 'add', '--repo', repo, wt, 'work']);
    expect((await osgitOk(['rev-parse', 'HEAD~1'], { cwd: wt })).stdout.trim()).toBe(id('M'));
    expect((await osgitOk(['log', '--graph'], { cwd: wt })).stdout.split('\n')[0]).toBe(`* ${id('E').slice(0, 7)} E`);
    expect((await osgitOk(['reflog'], { cwd: wt })).stdout.split('\n')[0]).toBe(`${id('E').slice(0, 7)} work@{0}: branch: Created from main~1`);
    expect((await osgitOk(['reflog', 'HEAD'], { cwd: wt })).stdout.split('\n')[0]).toBe(`${id('E').slice(0, 7)} HEAD@{0}: branch: Created from main~1`);
    expect((await osgitOk(['branch'], { cwd: wt })).stdout).toContain(`* work  ${id('E').slice(0, 7)} E\n`);
    expect((await osgitOk(['branch', 'from-head'], { cwd: wt })).stdout).toBe(`Created branch from-head at ${id('E')}\n`);
  });

  it("refuses to delete the worktree's branch, even with -D (exit 6), and renames it with the worktree", async () => {
    const wt = tmp.path('wt', 'wt');
    await osgitOk(['branch', '--repo', repo, 'work2', 'topic']);
    await osgitOk(['worktree', 'add', '--repo', repo, wt, 'work2']);
    const r = await osgit(['branch', '--repo', repo, '-D', 'work2']);
    expect([r.code, r.stderr]).toEqual([6, expect.stringMatching(/checked out in the worktree at/)]);
    await osgitOk(['branch', '--repo', repo, '-m', 'work2', 'work3']);
    expect((await osgitOk(['rev-parse', 'HEAD'], { cwd: wt })).stdout.trim()).toBe(id('Z'));
    const list = JSON.parse((await osgitOk(['worktree', 'list', '--repo', repo, '--json'])).stdout) as unknown;
    expect(JSON.stringify(list)).toContain('"branch":"work3"');
    expect((await osgitOk(['status', '--porcelain'], { cwd: wt })).stdout).toBe('');
  });
});
