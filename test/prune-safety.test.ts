// osgit prune beside writers of both tools, merge parents, sysroot deployments, tmp/ cleaning,
// and bad input (a clear typed error and nothing changed).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { OSTREE, ostree, ostreeCommit, ostreeInit, ostreeOk } from './helpers/ostree.js';
import { startRepoHttpServer } from './helpers/repo-http-server.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, start, type Started } from './helpers/tools.js';

const WORKER = fileURLToPath(new URL('./helpers/prune-worker.mjs', import.meta.url));
const tmp = tempDirs('prune-safety');
afterAll(() => tmp.cleanup());
const sh = promisify(execFile);

/** Every file under objects/ (relative, sorted). */
function objectFiles(repo: string): string[] {
  const out: string[] = [];
  for (const sub of readdirSync(join(repo, 'objects'))) {
    for (const name of readdirSync(join(repo, 'objects', sub))) out.push(`${sub}/${name}`);
  }
  return out.sort();
}

function objectPath(repo: string, checksum: string, ext: string): string {
  return join(repo, 'objects', checksum.slice(0, 2), `${checksum.slice(2)}.${ext}`);
}

/** Resolves with the first stdout line of `s` that starts with `prefix`. */
function lineOf(s: Started, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith(prefix));
      if (line !== undefined) {
        s.child.stdout!.off('data', onData);
        resolve(line);
      }
    };
    s.child.stdout!.on('data', onData);
    void s.done.then((r) => reject(new Error(`exited (${r.code}) before '${prefix}': ${r.stdout}${r.stderr}`)));
  });
}

/** True if `s` is still running after `ms` (it is waiting for a lock, say). */
async function stillRunningAfter(s: Started, ms: number): Promise<boolean> {
  const exited = await Promise.race([s.done.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms))]);
  return !exited;
}

/** A content checksum as ostree names it: `ostree ls -C` of a path. */
async function fileChecksum(repo: string, ref: string, path: string): Promise<string> {
  const line = (await ostreeOk(['ls', `--repo=${repo}`, '-C', ref, path])).stdout.trim();
  return line.split(/\s+/)[4]!;
}

describe.skipIf(!OSTREE)('prune and the real ostree on one repository', () => {
  it('an ostree commit started during osgit prune waits for it and loses nothing', async () => {
    const root = tmp.make('a');
    const repo = join(root, 'repo');
    await ostreeInit(repo, 'archive');
    const tree = join(root, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'keep'), 'kept\n');
    await ostreeCommit(repo, ['-b', 'main', '--timestamp=@1000', tree]);
    // A branch made and deleted: its file becomes garbage that prune will delete.
    writeFileSync(join(tree, 'y'), 'garbage that a new commit wants back\n');
    await ostreeCommit(repo, ['-b', 'tmp', '--timestamp=@2000', tree]);
    const y = await fileChecksum(repo, 'tmp', '/y');
    await ostreeOk(['refs', `--repo=${repo}`, '--delete', 'tmp']);

    const pruner = start(process.execPath, [WORKER, 'paused', repo], { keepStdinOpen: true });
    await lineOf(pruner, 'marked');
    // Marked: y is unreachable and will be deleted. ostree now commits a tree holding y.
    const committer = start(OSTREE!, ['commit', `--repo=${repo}`, '-b', 'new', '--timestamp=@3000', `--tree=dir=${tree}`]);
    expect(await stillRunningAfter(committer, 1500)).toBe(true);
    expect(existsSync(join(repo, 'refs', 'heads', 'new'))).toBe(false);
    pruner.child.stdin!.end();
    const pruned = await pruner.done;
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.stdout.trim().split('\n').pop()!).deletedObjects).toBeGreaterThan(0);
    const committed = await committer.done;
    expect(committed.code).toBe(0);
    expect(existsSync(objectPath(repo, y, 'filez'))).toBe(true);
    await ostreeOk(['fsck', `--repo=${repo}`]);
    expect((await osgit(['fsck', '--repo', repo])).code).toBe(0);
    const out = join(root, 'co');
    await ostreeOk(['checkout', `--repo=${repo}`, '-U', 'new', out]);
    expect(readFileSync(join(out, 'y'), 'utf8')).toBe('garbage that a new commit wants back\n');
  }, 120_000);

  it('an ostree prune started during an osgit pull waits for it; the pulled commit stays whole', async () => {
    const root = tmp.make('b');
    const origin = join(root, 'origin');
    await ostreeInit(origin, 'archive');
    const tree = join(root, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'sub', 'old'), 'already here\n');
    writeFileSync(join(tree, 'new'), 'fetched while the pull holds its lock\n');
    const commit = await ostreeCommit(origin, ['-b', 'os', '--timestamp=@1000', tree]);
    const wanted = await fileChecksum(origin, 'os', '/new');
    // The local repo has the commit's trees and one of its files as garbage (no ref, no commit
    // object): the pull skips them and fetches the commit and the other file.
    const repo = join(root, 'repo');
    await sh('cp', ['-a', origin, repo]);
    rmSync(join(repo, 'refs', 'heads', 'os'));
    rmSync(objectPath(repo, commit, 'commit'));
    rmSync(objectPath(repo, wanted, 'filez'));
    let reached!: () => void;
    const atStall = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = await startRepoHttpServer(origin, async ({ path }) => {
      if (path.endsWith(`${wanted.slice(2)}.filez`)) {
        reached();
        await gate;
      }
      return false;
    });
    try {
      await osgitOk(['remote', 'add', '--repo', repo, 'origin', server.url, '--no-gpg-verify']);
      const puller = start(process.execPath, [fileURLToPath(new URL('../packages/cli/bin/run.js', import.meta.url)), 'pull', '--repo', repo, '--protocol', 'dumb', 'origin', 'os']);
      await atStall;
      const pruner = start(OSTREE!, ['prune', `--repo=${repo}`, '--refs-only']);
      expect(await stillRunningAfter(pruner, 1500)).toBe(true);
      release();
      const pulled = await puller.done;
      expect(pulled.code, pulled.stderr).toBe(0);
      const pruned = await pruner.done;
      expect(pruned.code, pruned.stderr).toBe(0);
      await ostreeOk(['fsck', `--repo=${repo}`]);
      expect((await osgit(['fsck', '--repo', repo])).code).toBe(0);
      await ostreeOk(['ls', `--repo=${repo}`, '-R', 'origin:os']);
    } finally {
      release();
      await server.stop();
    }
  }, 120_000);

  it("keeps a commit reachable only through osgit.merge-parents, which ostree prune --refs-only deletes", async () => {
    const root = tmp.make('merge');
    const repo = join(root, 'repo');
    await ostreeInit(repo, 'archive');
    const tree = join(root, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'f'), 'base\n');
    const base = await ostreeCommit(repo, ['-b', 'main', '--timestamp=@1000', tree]);
    writeFileSync(join(tree, 'side'), 'only on the merged branch\n');
    const side = await ostreeCommit(repo, ['-b', 'side', '--timestamp=@2000', `--parent=${base}`, tree]);
    // A merge commit as osgit writes them: OSTree's parent is main's tip, the merged one in metadata.
    const merge = await ostreeCommit(repo, ['-b', 'main', '--timestamp=@3000', `--add-metadata=osgit.merge-parents=['${side}']`, tree]);
    await ostreeOk(['refs', `--repo=${repo}`, '--delete', 'side']);
    const a = join(tmp.make('ours'), 'repo');
    const b = join(tmp.make('theirs'), 'repo');
    await sh('cp', ['-a', repo, a]);
    await sh('cp', ['-a', repo, b]);
    await osgitOk(['prune', '--repo', a, '--refs-only']);
    await ostreeOk(['prune', `--repo=${b}`, '--refs-only']);
    expect(existsSync(objectPath(a, side, 'commit'))).toBe(true);
    expect(existsSync(objectPath(b, side, 'commit'))).toBe(false);
    expect(existsSync(objectPath(a, merge, 'commit'))).toBe(true);
    // Apart from the merged commit's own objects, both keep the same.
    const onlyOurs = objectFiles(a).filter((f) => !objectFiles(b).includes(f));
    expect(onlyOurs).toContain(`${side.slice(0, 2)}/${side.slice(2)}.commit`);
    await ostreeOk(['fsck', `--repo=${a}`]);
    // --depth 1 counts steps over every parent: the merged commit is one step from main.
    const c = join(tmp.make('depth'), 'repo');
    await sh('cp', ['-a', repo, c]);
    await osgitOk(['prune', '--repo', c, '--refs-only', '--depth', '1']);
    expect(existsSync(objectPath(c, side, 'commit'))).toBe(true);
    expect(existsSync(objectPath(c, base, 'commit'))).toBe(true);
    await osgitOk(['prune', '--repo', c, '--refs-only', '--depth', '0']);
    expect(existsSync(objectPath(c, side, 'commit'))).toBe(false);
  }, 120_000);
});

describe.skipIf(!OSTREE)('prune in a sysroot', () => {
  it('keeps the commit of every deployment, as ostree_sysroot_cleanup_prune_repo does', async () => {
    // The layout is ostree's own (admin init-fs + os-init); the deployment folder is made by
    // hand: `ostree admin deploy` marks a deployment immutable (chattr +i) and wants a kernel.
    const sysroot = tmp.make('sysroot');
    await ostreeOk(['admin', 'init-fs', sysroot]);
    await ostreeOk(['admin', 'os-init', `--sysroot=${sysroot}`, 'myos']);
    const repo = join(sysroot, 'ostree', 'repo');
    const tree = tmp.make('tree');
    writeFileSync(join(tree, 'deployed'), 'the running system\n');
    const deployed = await ostreeCommit(repo, ['-b', 'myos/main', '--timestamp=@1000', tree]);
    writeFileSync(join(tree, 'deployed'), 'an update\n');
    const update = await ostreeCommit(repo, ['-b', 'myos/main', '--timestamp=@2000', tree]);
    mkdirSync(join(sysroot, 'ostree', 'deploy', 'myos', 'deploy', `${deployed}.0`), { recursive: true });
    writeFileSync(join(sysroot, 'ostree', 'deploy', 'myos', 'deploy', `${deployed}.0.origin`), '[origin]\nrefspec=myos/main\n');
    const r = await osgitOk(['prune', '--repo', repo, '--refs-only', '--depth', '0', '--json']);
    expect(JSON.parse(r.stdout).roots).toBe(2);
    expect(existsSync(objectPath(repo, deployed, 'commit'))).toBe(true);
    expect(existsSync(objectPath(repo, update, 'commit'))).toBe(true);
    await ostreeOk(['fsck', `--repo=${repo}`]);
    // Without the deployment, the old commit goes.
    rmSync(join(sysroot, 'ostree', 'deploy', 'myos', 'deploy', `${deployed}.0`), { recursive: true });
    await osgitOk(['prune', '--repo', repo, '--refs-only', '--depth', '0']);
    expect(existsSync(objectPath(repo, deployed, 'commit'))).toBe(false);
  }, 120_000);
});

describe('prune cleans tmp/ and refuses bad input', () => {
  async function smallRepo(name: string): Promise<{ repo: string; commit: string }> {
    const root = tmp.make(name);
    const repo = join(root, 'repo');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    const tree = join(root, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'f'), 'x\n');
    const r = await osgitOk(['commit', '--repo', repo, '-b', 'main', '--timestamp', '@1000', tree]);
    return { repo, commit: r.stdout.trim().split('\n').pop()! };
  }

  it('removes unowned staging folders, expired entries and caches of gone remotes; keeps the rest', async () => {
    const { repo } = await smallRepo('tmp');
    const t = join(repo, 'tmp');
    const old = Date.now() / 1000 - 2 * 86400;
    // ostree staging folders: one whose lock file nobody holds, one held by a live process.
    mkdirSync(join(t, 'staging-otherboot-free'));
    writeFileSync(join(t, 'staging-otherboot-free-lock'), '');
    mkdirSync(join(t, 'staging-thisboot-held'));
    // A POSIX record lock, which conflicts with the OFD locks ostree and osgit take.
    const holder = start('python3', ['-c', 'import fcntl,sys; f=open(sys.argv[1],"w"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True); sys.stdin.read()', join(t, 'staging-thisboot-held-lock')], { keepStdinOpen: true });
    await lineOf(holder, 'locked');
    try {
      writeFileSync(join(t, 'expired'), '');
      utimesSync(join(t, 'expired'), old, old);
      writeFileSync(join(t, 'fresh'), '');
      writeFileSync(join(t, 'future'), '');
      utimesSync(join(t, 'future'), Date.now() / 1000 + 86400, Date.now() / 1000 + 86400);
      mkdirSync(join(t, 'cache', 'summaries'), { recursive: true });
      writeFileSync(join(t, 'cache', 'summaries', 'gone'), '');
      writeFileSync(join(t, 'cache', 'summaries', 'gone.sig'), '');
      writeFileSync(join(t, 'cache', 'summaries', 'origin'), '');
      await osgitOk(['remote', 'add', '--repo', repo, 'origin', 'http://127.0.0.1:9/', '--no-gpg-verify']);
      const dry = await osgitOk(['prune', '--repo', repo, '--dry-run', '--json']);
      expect(JSON.parse(dry.stdout).tmpRemoved.sort()).toEqual(
        ['cache/summaries/gone', 'cache/summaries/gone.sig', 'expired', 'staging-otherboot-free', 'staging-otherboot-free-lock'],
      );
      expect(existsSync(join(t, 'expired'))).toBe(true);
      await osgitOk(['prune', '--repo', repo]);
      expect(readdirSync(t).sort()).toEqual(['cache', 'fresh', 'future', 'staging-thisboot-held', 'staging-thisboot-held-lock']);
      expect(readdirSync(join(t, 'cache', 'summaries'))).toEqual(['origin']);
    } finally {
      holder.child.stdin!.end();
      await holder.done;
    }
  }, 60_000);

  it('refuses a repository with core.locking=false unless --force-unlocked', async () => {
    const { repo } = await smallRepo('unlocked');
    writeFileSync(join(repo, 'config'), `${readFileSync(join(repo, 'config'), 'utf8')}locking=false\n`);
    const r = await osgit(['prune', '--repo', repo, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error.code).toBe('REPO_CONFIG');
    await osgitOk(['prune', '--repo', repo, '--force-unlocked']);
  }, 60_000);

  it('refuses bad flags and a commit a ref holds, changing nothing', async () => {
    const { repo, commit } = await smallRepo('bad');
    const before = objectFiles(repo);
    const config = readFileSync(join(repo, 'config'), 'utf8');
    const cases: Array<[string[], number, string]> = [
      [['--depth', '-2'], 2, 'USAGE'],
      [['--keep-younger-than', 'next tuesday'], 2, 'INVALID_ARGUMENT'],
      [['--delete-commit', commit], 2, 'INVALID_ARGUMENT'],
      [['--delete-commit', commit, '--dry-run'], 2, 'INVALID_ARGUMENT'],
      [['--delete-commit', 'f'.repeat(64)], 2, 'REV_INVALID'],
    ];
    for (const [flags, exit, code] of cases) {
      const r = await osgit(['prune', '--repo', repo, '--json', ...flags]);
      expect([flags.join(' '), r.code]).toEqual([flags.join(' '), exit]);
      expect(JSON.parse(r.stdout).error.code).toBe(code);
    }
    expect(objectFiles(repo)).toEqual(before);
    expect(readFileSync(join(repo, 'config'), 'utf8')).toBe(config);
  }, 60_000);
});
