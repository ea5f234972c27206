// merge, cherry-pick and revert inside a worktree: uncommitted changes in the way refuse the
// merge and lose nothing; conflicts are left in the files with markers and shown by status;
// --continue commits the resolution as a merge commit, --abort puts the files back.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { expectChecksum, lastLine, osgit, osgitOk } from './helpers/tools.js';
import { OSTREE, ostreeOk } from './helpers/ostree.js';

const tmp = tempDirs('merge-worktree');
afterAll(() => tmp.cleanup());

let t = 0;
async function commit(repo: string, branch: string, files: Record<string, string>, parent?: string): Promise<string> {
  const dir = tmp.make('tree');
  chmodSync(dir, 0o755);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  const r = await osgitOk(['commit', '--repo', repo, '-b', branch, '-s', `${branch} ${t}`, `--timestamp=@${1_700_000_000 + t++}`, ...(parent ? ['--parent', parent] : []), dir]);
  rmSync(dir, { recursive: true, force: true });
  return expectChecksum(lastLine(r.stdout));
}

/** A repo whose main and topic both changed f's first line; topic also added g. A worktree of main. */
async function setup(): Promise<{ repo: string; wt: string; ours: string; theirs: string }> {
  const repo = join(tmp.make('repo'), 'repo');
  await osgitOk(['init', '--repo', repo, '--mode', 'bare-user']);
  const base = await commit(repo, 'main', { f: '1\n2\n3\n', keep: 'k\n' });
  const theirs = await commit(repo, 'topic', { f: 'T\n2\n3\n', keep: 'k\n', g: 'g\n' }, base);
  const ours = await commit(repo, 'main', { f: 'O\n2\n3\n', keep: 'k\n' });
  const wt = join(tmp.make('wt'), 'wt');
  await osgitOk(['worktree', 'add', '--repo', repo, wt, 'main']);
  return { repo, wt, ours, theirs };
}

const tip = async (repo: string, b: string): Promise<string> => (await osgitOk(['rev-parse', '--repo', repo, b])).stdout.trim();

describe('osgit merge in a worktree', () => {
  it('refuses when uncommitted changes touch a path the merge changes, and loses nothing', async () => {
    const { repo, wt, ours } = await setup();
    writeFileSync(join(wt, 'g'), 'my own g\n');
    const r = await osgit(['merge', '--json', 'topic'], { cwd: wt });
    expect(r.code).toBe(5);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('LOCAL_CHANGES');
    expect(doc.error.data.paths).toEqual(['/g']);
    expect(readFileSync(join(wt, 'g'), 'utf8')).toBe('my own g\n');
    expect(readFileSync(join(wt, 'f'), 'utf8')).toBe('O\n2\n3\n');
    expect(await tip(repo, 'main')).toBe(ours);
    expect((await osgitOk(['status', '--porcelain'], { cwd: wt })).stdout).toBe('A    /g\n');
  });

  it('leaves conflicts in the files, shows them in status, and --continue makes the merge commit', async () => {
    const { repo, wt, ours, theirs } = await setup();
    const r = await osgit(['merge', 'topic'], { cwd: wt });
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/^CONFLICT \(content\): \/f$/m);
    expect(r.stderr).toMatch(/osgit merge --continue/);
    expect(readFileSync(join(wt, 'f'), 'utf8')).toBe('<<<<<<< main\nO\n=======\nT\n>>>>>>> topic\n2\n3\n');
    expect(readFileSync(join(wt, 'g'), 'utf8')).toBe('g\n');
    expect(await tip(repo, 'main')).toBe(ours);

    for (const env of [{}, { OSGIT_NO_FAST_PATH: '1' }]) {
      const status = await osgitOk(['status'], { cwd: wt, env });
      expect(status.stdout).toContain(`merge of topic (${theirs.slice(0, 10)}) in progress`);
      expect(status.stdout).toMatch(/Unmerged paths:\n {2}content: {8}\/f\n/);
      const json = JSON.parse((await osgitOk(['status', '--json'], { cwd: wt, env })).stdout);
      expect(json.merge.conflicts.map((c: { path: string }) => c.path)).toEqual(['/f']);
    }

    expect((await osgit(['merge', 'topic'], { cwd: wt })).code).toBe(5); // MERGE_IN_PROGRESS
    const early = await osgit(['merge', '--continue'], { cwd: wt });
    expect(early.code).toBe(5);
    expect(early.stderr).toMatch(/conflict markers are still in \/f/);

    writeFileSync(join(wt, 'f'), 'OT\n2\n3\n');
    const done = await osgitOk(['merge', '--continue'], { cwd: wt });
    const merge = expectChecksum(lastLine(done.stdout));
    expect(await tip(repo, 'main')).toBe(merge);
    const shown = JSON.parse((await osgitOk(['show', '--repo', repo, '--json', merge])).stdout);
    expect(JSON.stringify(shown)).toContain(theirs);
    expect(JSON.stringify(shown)).toContain('Merge topic into main');
    expect((await osgitOk(['status', '--porcelain'], { cwd: wt })).stdout).toBe('');
    expect((await osgit(['merge', '--continue'], { cwd: wt })).code).toBe(2); // NO_MERGE_IN_PROGRESS
    if (OSTREE) {
      await ostreeOk(['fsck', `--repo=${repo}`]);
      expect((await ostreeOk(['log', `--repo=${repo}`, 'main'])).stdout).toContain(`Parent:  ${ours}`);
    }
  });

  it('--abort puts back the files the merge wrote and keeps unrelated uncommitted changes', async () => {
    const { repo, wt, ours } = await setup();
    writeFileSync(join(wt, 'keep'), 'my edit\n');
    expect((await osgit(['merge', 'topic'], { cwd: wt })).code).toBe(5);
    writeFileSync(join(wt, 'f'), 'half resolved\n');
    await osgitOk(['merge', '--abort'], { cwd: wt });
    expect(readFileSync(join(wt, 'f'), 'utf8')).toBe('O\n2\n3\n');
    expect(existsSync(join(wt, 'g'))).toBe(false);
    expect(readFileSync(join(wt, 'keep'), 'utf8')).toBe('my edit\n');
    expect((await osgitOk(['status', '--porcelain'], { cwd: wt })).stdout).toBe('M    /keep\n');
    expect(await tip(repo, 'main')).toBe(ours);
  });

  it('refuses --continue once the worktree moved meanwhile, and --abort then only forgets the merge', async () => {
    const { repo, wt } = await setup();
    expect((await osgit(['merge', 'topic'], { cwd: wt })).code).toBe(5);
    writeFileSync(join(wt, 'f'), 'resolved, but committed the plain way\n');
    const plain = expectChecksum(lastLine((await osgitOk(['commit', '-s', 'plain'], { cwd: wt })).stdout));
    const r = await osgit(['merge', '--continue', '--json'], { cwd: wt });
    expect(JSON.parse(r.stdout).error.code).toBe('REF_CONFLICT');
    await osgitOk(['merge', '--abort'], { cwd: wt });
    expect(readFileSync(join(wt, 'f'), 'utf8')).toBe('resolved, but committed the plain way\n');
    expect(await tip(repo, 'main')).toBe(plain);
    expect((await osgitOk(['status'], { cwd: wt })).stdout).not.toContain('in progress');
  });

  it('commits a clean merge at once, fast-forwards when it can, and cherry-picks and reverts', async () => {
    const repo = join(tmp.make('repo'), 'repo');
    await osgitOk(['init', '--repo', repo, '--mode', 'bare-user']);
    const base = await commit(repo, 'main', { f: '1\n2\n3\n4\n5\n' });
    const ahead = await commit(repo, 'ahead', { f: '1\n2\n3\n4\n5\n', a: 'a\n' }, base);
    const wt = join(tmp.make('wt'), 'wt');
    await osgitOk(['worktree', 'add', '--repo', repo, wt, 'main']);
    const ff = await osgitOk(['merge', 'ahead'], { cwd: wt });
    expect(ff.stdout).toMatch(/^Fast-forward main/);
    expect(await tip(repo, 'main')).toBe(ahead);
    expect(readFileSync(join(wt, 'a'), 'utf8')).toBe('a\n');

    const side = await commit(repo, 'side', { f: '1\n2\n3\n4\nFIVE\n', a: 'a\n' }, ahead);
    await commit(repo, 'side', { f: '1\n2\n3\n4\nFIVE\n', a: 'a\n', b: 'b\n' });
    writeFileSync(join(wt, 'f'), 'ONE\n2\n3\n4\n5\n');
    await osgitOk(['commit', '-s', 'one'], { cwd: wt });
    const clean = await osgitOk(['merge', '--json', 'side'], { cwd: wt });
    expect(JSON.parse(clean.stdout).kind).toBe('committed');
    expect(readFileSync(join(wt, 'f'), 'utf8')).toBe('ONE\n2\n3\n4\nFIVE\n');
    expect(readFileSync(join(wt, 'b'), 'utf8')).toBe('b\n');

    await osgitOk(['revert', side], { cwd: wt });
    expect(readFileSync(join(wt, 'f'), 'utf8')).toBe('ONE\n2\n3\n4\n5\n');
    const log = (await osgitOk(['log', '--repo', repo, 'main'])).stdout;
    expect(log).toContain(`This reverts commit ${side}.`);
    await osgitOk(['cherry-pick', side], { cwd: wt });
    expect(readFileSync(join(wt, 'f'), 'utf8')).toBe('ONE\n2\n3\n4\nFIVE\n');
    expect((await osgitOk(['status', '--porcelain'], { cwd: wt })).stdout).toBe('');
  });
});
