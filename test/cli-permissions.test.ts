// What a user meets when the file system says no (issue 5, "Errors and exit codes"): a read-only
// repository, an unreadable one, a checkout into a folder they may not write. Each is one line
// naming the path with a stable code and the README's exit status, never a raw `EACCES`.
// Root ignores file permissions, so the CLI runs as `nobody` (setpriv, util-linux).
import { chmodSync, chownSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { expectOneLineError } from './helpers/one-line-error.js';
import { describeFailure, NOBODY, requireRoot, requireTool, start, startOsgit, startOsgitAsNobody, type RunResult } from './helpers/tools.js';

const SETPRIV = requireTool('setpriv');
const ROOT = requireRoot();

const tmp = tempDirs('cli-permissions');
afterAll(() => tmp.cleanup());

/** A folder `nobody` may enter and read but not write (root owns it). */
function readableFolder(prefix: string): string {
  const dir = tmp.make(prefix);
  chmodSync(dir, 0o755);
  return dir;
}

let home: string;
let src: string;

function asNobody(args: string[]): Promise<RunResult> {
  return startOsgitAsNobody(SETPRIV!, home, args, { cwd: home, env: { NODE_ENV: undefined } }).done;
}

/** Runs the CLI as root (asynchronously: a test process must not block its event loop) and expects success. */
async function asRoot(args: string[]): Promise<void> {
  const r = await startOsgit(args).done;
  if (r.code !== 0) throw new Error(describeFailure('osgit', args, r));
}

/** A root-owned archive repository with one commit on main, readable by everyone. */
async function makeRepo(prefix: string): Promise<string> {
  const repo = join(readableFolder(prefix), 'repo');
  await asRoot(['init', '--repo', repo, '--mode', 'archive']);
  await asRoot(['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836800', src]);
  return repo;
}

/** Gives a folder and everything in it to nobody (a repository that user owns). */
async function chownTree(dir: string): Promise<void> {
  const r = await start('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]).done;
  if (r.code !== 0) throw new Error(describeFailure('chown', ['-R', dir], r));
}

interface ErrorDoc {
  error: { code: string; message: string; exitCode: number };
}

function errorDoc(r: RunResult): ErrorDoc['error'] {
  return (JSON.parse(r.stdout) as ErrorDoc).error;
}

describe.skipIf(!SETPRIV || !ROOT)('as a user without the permissions a command needs', () => {
  beforeAll(() => {
    home = tmp.make('home');
    chownSync(home, NOBODY, NOBODY);
    src = readableFolder('src');
    writeFileSync(join(src, 'hello.txt'), 'hello\n');
  });

  it('commit into a read-only repository exits 3 (repository) with PERMISSION_DENIED, and changes nothing', async () => {
    const repo = await makeRepo('ro-repo');
    const ref = readFileSync(join(repo, 'refs', 'heads', 'main'), 'utf8');
    const objects = readdirSync(join(repo, 'objects'), { recursive: true }).sort();
    const args = ['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836900', src];
    const human = await asNobody(args);
    expectOneLineError(human, 3 /* repository */, repo);
    expect(human.stderr).toContain('permission denied');
    const json = await asNobody([...args, '--json']);
    expect(json.code).toBe(3);
    expect(errorDoc(json)).toMatchObject({ code: 'PERMISSION_DENIED', exitCode: 3 });
    expect(json.stdout).not.toMatch(/EACCES|EPERM|EROFS/);
    expect(readFileSync(join(repo, 'refs', 'heads', 'main'), 'utf8')).toBe(ref);
    expect(readdirSync(join(repo, 'objects'), { recursive: true }).sort()).toEqual(objects);
  });

  it('checkout into a folder the user may not write exits 6 (checkout) naming the folder', async () => {
    const repo = await makeRepo('co-repo');
    const parent = readableFolder('ro-dest');
    const dest = join(parent, 'out');
    const human = await asNobody(['checkout', '--repo', repo, 'main', dest]);
    expectOneLineError(human, 6 /* checkout */, `cannot create ${dest}: permission denied`);
    const json = await asNobody(['checkout', '--repo', repo, '--json', 'main', dest]);
    expect(json.code).toBe(6);
    expect(errorDoc(json)).toMatchObject({ code: 'CHECKOUT_FAILED', exitCode: 6, message: `cannot create ${dest}: permission denied` });
    expect(readdirSync(parent)).toEqual([]);
  });

  it('a repository the user may not read is PERMISSION_DENIED (3), not "no repository here"', async () => {
    const repo = await makeRepo('closed-repo');
    chmodSync(repo, 0o700);
    const human = await asNobody(['log', '--repo', repo, 'main']);
    expectOneLineError(human, 3 /* repository */, join(repo, 'config'));
    expect(human.stderr).toContain('permission denied');
    const json = await asNobody(['log', '--repo', repo, '--json', 'main']);
    expect(errorDoc(json)).toMatchObject({ code: 'PERMISSION_DENIED', exitCode: 3 });
  });

  it('commit of a tree holding a file the user may not read exits 6 (commit input) naming the file, and the branch stays', async () => {
    const repo = await makeRepo('own-repo');
    await chownTree(repo);
    const tree = readableFolder('secret-tree');
    writeFileSync(join(tree, 'open.txt'), 'anyone\n');
    writeFileSync(join(tree, 'secret.txt'), 'root only\n', { mode: 0o600 });
    const ref = readFileSync(join(repo, 'refs', 'heads', 'main'), 'utf8');
    const args = ['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836900', tree];
    const human = await asNobody(args);
    expectOneLineError(human, 6 /* commit input */, `cannot read ${join(tree, 'secret.txt')}: permission denied`);
    const json = await asNobody([...args, '--json']);
    expect(errorDoc(json)).toMatchObject({ code: 'COMMIT_INPUT', exitCode: 6 });
    expect(readFileSync(join(repo, 'refs', 'heads', 'main'), 'utf8')).toBe(ref);
  });

  it('init in a folder the user may not write exits 3 (repository) with PERMISSION_DENIED', async () => {
    const target = join(readableFolder('ro-init'), 'repo');
    const human = await asNobody(['init', '--repo', target, '--mode', 'archive']);
    expectOneLineError(human, 3 /* repository */, target);
    expect(human.stderr).toContain('permission denied');
    const json = await asNobody(['init', '--repo', target, '--mode', 'archive', '--json']);
    expect(errorDoc(json)).toMatchObject({ code: 'PERMISSION_DENIED', exitCode: 3 });
  });

  it('fsck of a repository whose objects the user may not list is PERMISSION_DENIED (3), never a raw EACCES', async () => {
    const repo = await makeRepo('closed-objects');
    chmodSync(join(repo, 'objects'), 0o700);
    const human = await asNobody(['fsck', '--repo', repo]);
    expectOneLineError(human, 3 /* repository */, join(repo, 'objects'));
    const json = await asNobody(['fsck', '--repo', repo, '--json']);
    expect(json.code).toBe(3);
    expect(errorDoc(json)).toMatchObject({ code: 'PERMISSION_DENIED', exitCode: 3 });
  });

  it('fsck names an object folder it may not list with the other damage it finds, and exits 4', async () => {
    const repo = await makeRepo('closed-folder');
    const objects = join(repo, 'objects');
    const folders = readdirSync(objects).sort();
    expect(folders.length).toBeGreaterThan(1);
    const closed = join(objects, folders[0]!);
    chmodSync(closed, 0o700);
    // a corrupt object elsewhere: the last folder's first object gets one byte appended
    const other = join(objects, folders[folders.length - 1]!);
    const victim = join(other, readdirSync(other)[0]!);
    writeFileSync(victim, Buffer.concat([readFileSync(victim), Buffer.from([0])]));
    const human = await asNobody(['fsck', '--repo', repo]);
    expect(human.code).toBe(4);
    expect(human.stdout).toContain(`cannot list ${closed}: permission denied`);
    expect(human.stdout).toMatch(/error: \w+ [0-9a-f]{64}: /);
    const json = await asNobody(['fsck', '--repo', repo, '--json']);
    expect(json.code).toBe(4);
    const doc = JSON.parse(json.stdout) as { ok: boolean; problems: unknown[]; unreadable: Array<{ path: string; code: string }> };
    expect(doc.ok).toBe(false);
    expect(doc.problems.length).toBeGreaterThan(0);
    expect(doc.unreadable).toEqual([expect.objectContaining({ path: closed, code: 'PERMISSION_DENIED' })]);
  });
});
