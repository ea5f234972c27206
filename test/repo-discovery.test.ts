// Finding the repository (--repo, else $OSGIT_REPO, else upwards from the working folder): a
// repository that is there but cannot be opened is an error naming it (REPO_CONFIG, or
// PERMISSION_DENIED when this user may not read it: exit 3),
// never silently skipped in favour of another one further up.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { describeFailure, isRoot, requireTool, startOsgit, startOsgitAsNobody, type RunResult } from './helpers/tools.js';

const tmp = tempDirs('discovery');
const SETPRIV = isRoot ? requireTool('setpriv') : null;
afterAll(() => tmp.cleanup());

async function osgit(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return startOsgit(args, { cwd, env }).done;
}

/** Folder layout: TOP/repo is a sound repository; TOP/work/repo looks like one but is broken. */
let top: string;
let work: string;
let broken: string;

beforeAll(async () => {
  top = tmp.make('top');
  work = join(top, 'work');
  mkdirSync(work);
  const init = ['init', '--repo', join(top, 'repo'), '--mode', 'archive'];
  const r = await osgit(init, top);
  if (r.code !== 0) throw new Error(describeFailure('osgit', init, r));
  broken = join(work, 'repo');
  mkdirSync(join(broken, 'objects'), { recursive: true });
  writeFileSync(join(broken, 'config'), '[core]\nrepo_version=1\nmode=no-such-mode\n');
});

function expectRepoConfigError(r: RunResult, path: string, code = 'REPO_CONFIG'): void {
  expect(r.code, r.stderr).toBe(3);
  const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  expect(doc.error.code).toBe(code);
  expect(doc.error.message).toContain(path);
  expect(r.stderr).toContain(path);
}

describe('repository discovery', () => {
  it('uses the sound repository found upwards when nothing nearer looks like one', async () => {
    const r = await osgit(['refs', '--json'], top);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('reports a broken repository in the working folder instead of using the one further up', async () => {
    expectRepoConfigError(await osgit(['refs', '--json'], work), broken);
  });

  it('reports a repository whose config is a folder (unreadable) instead of moving on', async () => {
    const dir = join(top, 'work2');
    mkdirSync(join(dir, 'repo', 'objects'), { recursive: true });
    mkdirSync(join(dir, 'repo', 'config'));
    expectRepoConfigError(await osgit(['refs', '--json'], dir), join(dir, 'repo'));
  });

  // Root reads every file: as root, the command runs as nobody (setpriv), with a home it may write.
  it.skipIf(isRoot && !SETPRIV)('reports a repository whose config this user may not read (PERMISSION_DENIED) instead of moving on', async () => {
    const setpriv = isRoot ? SETPRIV : null;
    chmodSync(top, 0o755);
    const dir = join(top, 'work4');
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'objects'), { recursive: true });
    writeFileSync(join(repo, 'config'), '[core]\nrepo_version=1\nmode=archive\n');
    chmodSync(join(repo, 'config'), 0o000);
    const home = join(dir, 'home');
    mkdirSync(home);
    chmodSync(home, 0o777);
    const r = setpriv
      ? await startOsgitAsNobody(setpriv, home, ['refs', '--json'], { cwd: dir }).done
      : await osgit(['refs', '--json'], dir, { HOME: home });
    expectRepoConfigError(r, repo, 'PERMISSION_DENIED');
    expect(r.stderr).toContain('permission denied');
  });

  it('names the path of a broken repository given by --repo or OSGIT_REPO', async () => {
    expectRepoConfigError(await osgit(['refs', '--json', '--repo', broken], top), broken);
    expectRepoConfigError(await osgit(['refs', '--json'], top, { OSGIT_REPO: broken }), broken);
  });

  it('still skips a folder with objects/ but no config (not a repository)', async () => {
    const dir = join(top, 'work3');
    mkdirSync(join(dir, 'repo', 'objects'), { recursive: true });
    const r = await osgit(['refs', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
  });
});
