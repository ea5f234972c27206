// osgit prune against the real `ostree prune` (2022.7) on identical copies of one repository:
// for each flag set the files left under objects/ (commits, trees, contents, detached metadata,
// tombstones), the static deltas and the config are the same, and so are the counts ostree prints.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OSTREE, ostreeCommit, ostreeInit, ostreeOk, type RepoMode } from './helpers/ostree.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk } from './helpers/tools.js';

const tmp = tempDirs('prune');
afterAll(() => tmp.cleanup());
const cp = promisify(execFile);

interface Fixture {
  repo: string;
  c: string[]; // main: c1 <- c2 <- c3
  o: string[]; // other: o1 <- o2 (unrelated history)
  dangling: string; // a commit no ref reaches, with detached metadata
}

/**
 * A history made by ostree itself: main (c1..c3, timestamps 1000..3000), refs/heads/tags/v1 at
 * c1 (osgit's tag layout), an unrelated line `other` (o1 1500, o2 2500), a remote-tracking ref
 * origin:main at o1, a dangling commit with a .commitmeta, trees whose commit was deleted by hand
 * (orphaned dirtrees and contents), and static deltas c1->c2 and (scratch) to the dangling commit.
 * No ref lies within another's depth on the same line, so ostree's walk order cannot matter.
 */
async function makeFixture(mode: RepoMode): Promise<Fixture> {
  const root = tmp.make(`fx-${mode}`);
  const repo = join(root, 'repo');
  await ostreeInit(repo, mode);
  const tree = join(root, 'tree');
  mkdirSync(join(tree, 'etc'), { recursive: true });
  mkdirSync(join(tree, 'usr', 'lib'), { recursive: true });
  writeFileSync(join(tree, 'usr', 'lib', 'libbig.so'), 'x'.repeat(5000));
  const commit = (args: string[]) => ostreeCommit(repo, ['--tree=dir=' + tree, ...args]);
  const c: string[] = [];
  for (let i = 1; i <= 3; i++) {
    writeFileSync(join(tree, 'etc', 'os-release'), `VERSION=${i}\n`);
    writeFileSync(join(tree, 'usr', 'lib', `mod${i}`), `module ${i}\n`.repeat(i * 50));
    c.push(await commit(['-b', 'main', `--timestamp=@${i * 1000}`, '-s', `c${i}`]));
  }
  const o: string[] = [];
  writeFileSync(join(tree, 'etc', 'hostname'), 'other\n');
  o.push(await commit(['-b', 'other', '--orphan', '--timestamp=@1500', '-s', 'o1']));
  rmSync(join(tree, 'etc', 'hostname'));
  // --orphan leaves no ref: point `other` at o1 by hand, then commit on it.
  writeFileSync(join(repo, 'refs', 'heads', 'other'), `${o[0]}\n`);
  writeFileSync(join(tree, 'etc', 'motd'), 'hello\n');
  o.push(await commit(['-b', 'other', '--timestamp=@2500', '-s', 'o2']));
  mkdirSync(join(repo, 'refs', 'heads', 'tags'), { recursive: true });
  writeFileSync(join(repo, 'refs', 'heads', 'tags', 'v1'), `${c[0]}\n`);
  mkdirSync(join(repo, 'refs', 'remotes', 'origin'), { recursive: true });
  writeFileSync(join(repo, 'refs', 'remotes', 'origin', 'main'), `${o[0]}\n`);
  writeFileSync(join(tree, 'dangling'), 'no ref reaches me\n');
  const dangling = await commit(['--orphan', '--timestamp=@500', '-s', 'dangling', '--add-detached-metadata-string=note=x']);
  // Marked partial, as a pull cut short leaves it: the marker goes with the commit.
  writeFileSync(join(repo, 'state', `${dangling}.commitpartial`), '');
  writeFileSync(join(tree, 'lost'), 'my commit is gone\n');
  const lost = await commit(['--orphan', '--timestamp=@600', '-s', 'lost']);
  rmSync(join(repo, 'objects', lost.slice(0, 2), `${lost.slice(2)}.commit`));
  await ostreeOk(['static-delta', 'generate', `--repo=${repo}`, `--from=${c[0]}`, `--to=${c[1]}`]);
  await ostreeOk(['static-delta', 'generate', `--repo=${repo}`, '--empty', `--to=${dangling}`]);
  return { repo, c, o, dangling };
}

/** Every file under objects/, deltas/ and state/ (relative paths, sorted), and the config. */
function snapshot(repo: string): { files: string[]; config: string } {
  const files: string[] = [];
  const walk = (dir: string, rel: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), `${rel}/${e.name}`);
      else files.push(`${rel}/${e.name}`);
    }
  };
  walk(join(repo, 'objects'), 'objects');
  walk(join(repo, 'deltas'), 'deltas');
  walk(join(repo, 'state'), 'state');
  return { files: files.sort(), config: readFileSync(join(repo, 'config'), 'utf8') };
}

async function copyRepo(from: string, name: string): Promise<string> {
  const to = join(tmp.make(name), 'repo');
  await cp('cp', ['-a', from, to]);
  return to;
}

/** The lines ostree prune prints (Total / Deleted / Would delete / No unreachable objects). */
function countLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^(Total objects|Deleted \d|Would delete|No unreachable)/.test(l));
}

const FLAG_SETS: Array<{ name: string; ostree: (f: Fixture) => string[]; osgit: (f: Fixture) => string[] }> = [
  { name: 'no flags', ostree: () => [], osgit: () => [] },
  { name: '--refs-only', ostree: () => ['--refs-only'], osgit: () => ['--refs-only'] },
  { name: '--refs-only --depth=0', ostree: () => ['--refs-only', '--depth=0'], osgit: () => ['--refs-only', '--depth', '0'] },
  { name: '--refs-only --depth=1', ostree: () => ['--refs-only', '--depth=1'], osgit: () => ['--refs-only', '--depth', '1'] },
  { name: '--keep-younger-than', ostree: () => ['--keep-younger-than=@2200'], osgit: () => ['--keep-younger-than', '@2200'] },
  { name: '--delete-commit', ostree: (f) => [`--delete-commit=${f.c[1]}`], osgit: (f) => ['--delete-commit', f.c[1]!] },
  { name: '--delete-commit --refs-only', ostree: (f) => [`--delete-commit=${f.dangling}`, '--refs-only'], osgit: (f) => ['--delete-commit', f.dangling, '--refs-only'] },
  { name: 'dry run (--no-prune)', ostree: () => ['--refs-only', '--no-prune'], osgit: () => ['--refs-only', '--no-prune'] },
  { name: 'dry run (--dry-run)', ostree: () => ['--refs-only', '--depth=0', '--no-prune'], osgit: () => ['--refs-only', '--depth', '0', '--dry-run'] },
];

for (const mode of ['archive', 'bare-user'] as const) {
  describe.skipIf(!OSTREE)(`osgit prune leaves what ostree prune leaves (${mode})`, () => {
    let fx: Fixture;
    beforeAll(async () => {
      fx = await makeFixture(mode);
    });

    for (const set of FLAG_SETS) {
      it(`with ${set.name}`, async () => {
        const a = await copyRepo(fx.repo, 'ostree');
        const b = await copyRepo(fx.repo, 'osgit');
        const before = snapshot(b);
        const theirs = await ostreeOk(['prune', `--repo=${a}`, ...set.ostree(fx)]);
        const ours = await osgitOk(['prune', '--repo', b, ...set.osgit(fx)]);
        const theirSnapshot = snapshot(a);
        if (set.name === '--delete-commit --refs-only') {
          // ostree_repo_delete_object leaves the deleted commit's partial marker behind (only its
          // sweep removes markers); osgit removes it with the commit, whichever way it goes.
          const stale = `state/${fx.dangling}.commitpartial`;
          expect(theirSnapshot.files).toContain(stale);
          theirSnapshot.files = theirSnapshot.files.filter((f) => f !== stale);
        }
        expect(snapshot(b)).toEqual(theirSnapshot);
        expect(countLines(ours.stdout)).toEqual(countLines(theirs.stdout));
        if (set.name.startsWith('--delete-commit')) {
          // Tombstones (.tombstone-commit) are objects both fscks know.
          expect(snapshot(b).files.some((f) => f.endsWith('.tombstone-commit'))).toBe(true);
          const fsck = await osgit(['fsck', '--repo', b]);
          expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
          await ostreeOk(['fsck', `--repo=${b}`]);
        }
        if (set.name.startsWith('dry run')) expect(snapshot(b)).toEqual(before);
        else expect(snapshot(b).files.length).toBeLessThan(before.files.length);
      });
    }
  });
}

describe.skipIf(!OSTREE)('prune and incomplete commits', () => {
  it('stops before deleting anything when a complete commit lacks a dirtree, and tolerates it in a partial commit as ostree does', async () => {
    const root = tmp.make('partial');
    const repo = join(root, 'repo');
    await ostreeInit(repo, 'archive');
    const tree = join(root, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'sub', 'f'), 'in a subfolder\n');
    const commit = await ostreeCommit(repo, ['-b', 'main', '--timestamp=@1000', tree]);
    writeFileSync(join(tree, 'g'), 'garbage\n');
    await ostreeCommit(repo, ['--orphan', '--timestamp=@2000', tree]);
    const sub = (await ostreeOk(['ls', `--repo=${repo}`, '-C', '-d', 'main', '/sub'])).stdout.trim().split(/\s+/)[4]!;
    rmSync(join(repo, 'objects', sub.slice(0, 2), `${sub.slice(2)}.dirtree`));
    const before = snapshot(repo);
    const r = await osgit(['prune', '--repo', repo, '--refs-only', '--json']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('OBJECT_MISSING');
    expect(snapshot(repo)).toEqual(before);
    // Marked partial (an interrupted pull), the gap is allowed, by both tools alike.
    mkdirSync(join(repo, 'state'), { recursive: true });
    writeFileSync(join(repo, 'state', `${commit}.commitpartial`), '');
    const a = await copyRepo(repo, 'partial-ostree');
    const b = await copyRepo(repo, 'partial-osgit');
    const theirs = await ostreeOk(['prune', `--repo=${a}`, '--refs-only']);
    const ours = await osgitOk(['prune', '--repo', b, '--refs-only']);
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(countLines(ours.stdout)).toEqual(countLines(theirs.stdout));
  }, 120_000);
});
