// The worktree commands through the built CLI: add, status (its fast path and the oclif command
// give the same bytes and exit codes), commit in a worktree (the same checksum as ostree commit
// of the folder), list, remove, prune, and the errors a person meets.
import { cpSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, lastLine } from './helpers/tools.js';
import { OSTREE, ostreeOk } from './helpers/ostree.js';

const tmp = tempDirs('worktree-cli');
afterAll(() => tmp.cleanup());

let repo: string;
let base: string;
let wt: string;

beforeAll(async () => {
  repo = tmp.path('repo', 'repo');
  await osgitOk(['init', '--repo', repo, '--mode', 'bare-user']);
  const src = tmp.make('src');
  chmodSync(src, 0o755);
  mkdirSync(join(src, 'etc'));
  writeFileSync(join(src, 'etc/motd'), 'hello\n');
  writeFileSync(join(src, 'etc/hostname'), 'box\n');
  base = lastLine((await osgitOk(['commit', '--repo', repo, '-b', 'os/main', '-s', 'base', '--timestamp=@1700000000', src])).stdout);
  wt = tmp.path('wt');
  const add = await osgitOk(['worktree', 'add', '--repo', repo, wt]);
  expect(lastLine(add.stdout)).toBe(base);
});

/** The same status through bin/run.js's fast path and through oclif (OSGIT_NO_FAST_PATH sends it there). */
async function bothStatuses(args: string[], cwd: string): Promise<[Awaited<ReturnType<typeof osgit>>, Awaited<ReturnType<typeof osgit>>]> {
  return [await osgit(['status', ...args], { cwd }), await osgit(['status', ...args], { cwd, env: { OSGIT_NO_FAST_PATH: '1' } })];
}

describe('osgit status', () => {
  it('is clean after worktree add, in both paths', async () => {
    const [fast, slow] = await bothStatuses([], wt);
    expect(fast.code).toBe(0);
    expect(fast.stdout).toBe(`On branch os/main at ${base}\nnothing to commit, worktree clean\n`);
    expect(slow.stdout).toBe(fast.stdout);
  });

  it('lists changes the same way through the fast path and oclif (human, porcelain, JSON)', async () => {
    writeFileSync(join(wt, 'etc/motd'), 'changed\n');
    writeFileSync(join(wt, 'etc/new'), 'new\n');
    rmSync(join(wt, 'etc/hostname'));
    chmodSync(join(wt, 'etc'), 0o700);
    for (const args of [[], ['--porcelain'], ['--json'], ['--repo', repo, '--porcelain']]) {
      const [fast, slow] = await bothStatuses(args, join(wt, 'etc'));
      expect(fast.code).toBe(0);
      expect(slow.code).toBe(0);
      expect(fast.stdout).toBe(slow.stdout);
      expect(fast.stderr).toBe(slow.stderr);
    }
    const porcelain = await osgitOk(['status', '--porcelain'], { cwd: wt });
    expect(porcelain.stdout).toBe(' p   /etc/\nD    /etc/hostname\nM    /etc/motd\nA    /etc/new\n');
    const json = JSON.parse((await osgitOk(['status', '--json'], { cwd: wt })).stdout);
    expect(json.entries).toEqual([
      { path: '/etc', type: 'dir', changes: ['mode-changed'] },
      { path: '/etc/hostname', type: 'file', changes: ['removed'] },
      { path: '/etc/motd', type: 'file', changes: ['modified'] },
      { path: '/etc/new', type: 'file', changes: ['added'] },
    ]);
    chmodSync(join(wt, 'etc'), 0o755);
  });

  it('outside a worktree: NOT_A_WORKTREE (exit 2) the same way in both paths', async () => {
    const plain = tmp.make('plain');
    for (const args of [[], ['--json']]) {
      const [fast, slow] = await bothStatuses(args, plain);
      expect(fast.code).toBe(2);
      expect(slow.code).toBe(2);
      expect(fast.stdout).toBe(slow.stdout);
      expect(fast.stderr).toBe(slow.stderr);
    }
    const json = JSON.parse((await osgit(['status', '--json'], { cwd: plain })).stdout);
    expect(json.error.code).toBe('NOT_A_WORKTREE');
  });

  it('a marker naming a missing repository: REPO_NOT_FOUND (exit 3) naming the marker', async () => {
    const dir = tmp.make('stray');
    writeFileSync(join(dir, '.osgit-worktree'), JSON.stringify({ repo: '/nonexistent/repo', id: 'x' }));
    const [fast, slow] = await bothStatuses([], dir);
    expect(fast.code).toBe(3);
    expect(fast.stderr).toBe(slow.stderr);
    expect(fast.stderr).toContain('.osgit-worktree');
  });
});

describe('osgit commit in a worktree', () => {
  it.runIf(OSTREE)('commits the worktree as the next commit of its branch, with the checksum ostree gives', async () => {
    const oracle = tmp.path('oracle');
    cpSync(repo, oracle, { recursive: true });
    const copy = tmp.path('copy');
    cpSync(wt, copy, { recursive: true });
    rmSync(join(copy, '.osgit-worktree'));
    const r = await osgitOk(['commit', '-s', 'edit', '--timestamp=@1700000100', '--add-metadata-string=v=2'], { cwd: join(wt, 'etc') });
    const o = await ostreeOk(['commit', `--repo=${oracle}`, '-b', 'os/main', '-s', 'edit', '--timestamp=@1700000100', '--add-metadata-string=v=2', copy]);
    expect(lastLine(r.stdout)).toBe(lastLine(o.stdout));
    const log = await ostreeOk(['log', `--repo=${repo}`, 'os/main']);
    expect(log.stdout).toContain(base);
    expect((await osgitOk(['status', '--porcelain'], { cwd: wt })).stdout).toBe('');
  });

  it('refuses to commit nothing (NOTHING_TO_COMMIT, exit 2) and folder-only flags (USAGE)', async () => {
    const r = await osgit(['commit', '-s', 'nothing', '--json'], { cwd: wt });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('NOTHING_TO_COMMIT');
    const u = await osgit(['commit', '-s', 'x', '--owner-uid=0'], { cwd: wt });
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('--owner-uid');
  });

  it('says when the branch was deleted, and how to make it again', async () => {
    const head = JSON.parse((await osgitOk(['worktree', 'list', '--repo', repo, '--json'])).stdout)[0].head;
    await ostreeOk(['refs', `--repo=${repo}`, '--delete', 'os/main']);
    const r = await osgit(['status'], { cwd: wt });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`osgit branch os/main ${head}`);
    const c = await osgit(['commit', '-s', 'x', '--json'], { cwd: wt });
    expect(JSON.parse(c.stdout).error.code).toBe('WORKTREE_BRANCH_GONE');
    await ostreeOk(['refs', `--repo=${repo}`, '--create=os/main', head]);
  });
});

describe('osgit worktree list / remove / prune', () => {
  it('lists the worktree, refuses to remove it with changes, removes it with --force, prunes a vanished one', async () => {
    const list = JSON.parse((await osgitOk(['worktree', 'list', '--repo', repo, '--json'])).stdout);
    expect(list.map((w: { path: string; branch: string; present: boolean }) => [w.path, w.branch, w.present])).toEqual([[wt, 'os/main', true]]);
    writeFileSync(join(wt, 'etc/motd'), 'dirty\n');
    const refused = await osgit(['worktree', 'remove', '--repo', repo, wt]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('/etc/motd');
    await osgitOk(['worktree', 'remove', '--repo', repo, '--force', wt]);
    const again = await osgitOk(['worktree', 'add', '--repo', repo, '-b', 'second', tmp.path('wt2'), 'os/main']);
    expect(again.stdout).toContain('on branch second');
    rmSync(JSON.parse((await osgitOk(['worktree', 'list', '--repo', repo, '--json'])).stdout)[0].path, { recursive: true });
    const pruned = JSON.parse((await osgitOk(['worktree', 'prune', '--repo', repo, '--json'])).stdout);
    expect(pruned.map((w: { branch: string }) => w.branch)).toEqual(['second']);
  });

  it('refuses a folder that is not empty (CHECKOUT_EXISTS, exit 6)', async () => {
    const dir = tmp.make('busy');
    writeFileSync(join(dir, 'x'), 'x');
    const r = await osgit(['worktree', 'add', '--repo', repo, dir, 'os/main']);
    expect(r.code).toBe(6);
  });
});

describe('osgit switch / reset / diff in a worktree', () => {
  it('switches branches carrying non-conflicting changes, refuses conflicting ones, resets and diffs', async () => {
    const r2 = tmp.path('repo2', 'repo');
    await osgitOk(['init', '--repo', r2, '--mode', 'archive']);
    const src = tmp.make('src2');
    chmodSync(src, 0o755);
    mkdirSync(join(src, 'etc'));
    writeFileSync(join(src, 'etc/a'), 'a\n');
    writeFileSync(join(src, 'etc/b'), 'b\n');
    const one = lastLine((await osgitOk(['commit', '--repo', r2, '-b', 'main', '--timestamp=@1700000000', src])).stdout);
    const w = tmp.path('w');
    await osgitOk(['worktree', 'add', '--repo', r2, w, 'main']);
    await osgitOk(['switch', '-c', 'topic'], { cwd: w });
    writeFileSync(join(w, 'etc/a'), 'a on topic\n');
    const two = lastLine((await osgitOk(['commit', '-s', 'topic a', '--timestamp=@1700000100'], { cwd: w })).stdout);
    // a local change to etc/b (the same in both tips) comes along; one to etc/a would be overwritten
    writeFileSync(join(w, 'etc/b'), 'local b\n');
    const sw = await osgitOk(['switch', 'main', '--json'], { cwd: w });
    expect(JSON.parse(sw.stdout)).toMatchObject({ from: 'topic', branch: 'main', head: one });
    expect((await osgitOk(['status', '--porcelain'], { cwd: w })).stdout).toBe('M    /etc/b\n');
    writeFileSync(join(w, 'etc/a'), 'local a\n');
    const refused = await osgit(['switch', 'topic', '--json'], { cwd: w });
    expect(refused.code).toBe(5);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'LOCAL_CHANGES', data: { paths: ['/etc/a'] } });
    // diff REV against the files
    const diff = await osgitOk(['diff', 'topic'], { cwd: w });
    expect(diff.stdout).toBe('M    /etc/a\nM    /etc/b\n');
    // reset --hard to topic's commit: the files become it; the branch moved with a reflog reason
    const reset = await osgitOk(['reset', '--hard', two, '--json'], { cwd: w });
    expect(JSON.parse(reset.stdout)).toMatchObject({ branch: 'main', from: one, to: two, mode: 'hard' });
    expect((await osgitOk(['status', '--porcelain'], { cwd: w })).stdout).toBe('');
    expect((await osgitOk(['rev-parse', '--repo', r2, 'main'])).stdout.trim()).toBe(two);
    // outside the worktree, --branch refuses the branch it uses
    const outside = await osgit(['reset', '--repo', r2, '--branch', 'main', one]);
    expect(outside.code).toBe(6);
  });
});

describe('osgit commit in a worktree: the fast path and oclif agree', () => {
  it('gives the same commit, the same JSON shape and the same errors either way', async () => {
    const r3 = tmp.path('repo3', 'repo');
    await osgitOk(['init', '--repo', r3, '--mode', 'archive']);
    const src = tmp.make('src3');
    chmodSync(src, 0o755);
    writeFileSync(join(src, 'f'), 'one\n');
    const first = lastLine((await osgitOk(['commit', '--repo', r3, '-b', 'main', '--timestamp=@1700000000', src])).stdout);
    const w = tmp.path('w3');
    await osgitOk(['worktree', 'add', '--repo', r3, w]);
    const slowEnv = { OSGIT_NO_FAST_PATH: '1' };
    for (const args of [['commit', '-s', 'x', '--json'], ['commit', '--subject=x']]) {
      const [fast, slow] = [await osgit(args, { cwd: w }), await osgit(args, { cwd: w, env: slowEnv })];
      expect(fast.code).toBe(2);
      expect([fast.code, fast.stdout, fast.stderr]).toEqual([slow.code, slow.stdout, slow.stderr]);
    }
    const args = ['commit', '-s', 'two', '-m', 'body', '--timestamp=@1700000100', '--add-metadata-string', 'k=v', '--json'];
    writeFileSync(join(w, 'f'), 'two\n');
    const fast = JSON.parse((await osgitOk(args, { cwd: w })).stdout);
    await osgitOk(['reset', '--soft', first], { cwd: w });
    const slow = JSON.parse((await osgitOk(args, { cwd: w, env: slowEnv })).stdout);
    expect(fast.commit).toBe(slow.commit);
    expect(Object.keys(fast).sort()).toEqual(Object.keys(slow).sort());
    expect(Object.keys(fast.stats).sort()).toEqual(Object.keys(slow.stats).sort());
    // Outside a worktree the fast path hands over to the oclif command: its error, exactly
    const nowhere = tmp.make('nowhere');
    const [out1, out2] = [await osgit(['commit', '-s', 'x'], { cwd: nowhere }), await osgit(['commit', '-s', 'x'], { cwd: nowhere, env: slowEnv })];
    expect(out1.code).toBe(2);
    expect([out1.code, out1.stdout, out1.stderr]).toEqual([out2.code, out2.stdout, out2.stderr]);
    expect(out1.stderr).toContain('needs a worktree');
  });
});
