// A merge commit (and a cherry-pick or revert commit) stays a valid OSTree commit: `ostree fsck`
// passes, `ostree log` walks it through its first parent, and `ostree pull-local` copies it with
// everything it reaches. Metadata merges (content on one side, mode on the other) write new file
// objects that ostree verifies too. Also: cherry-pick and revert agree with git's.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { expectChecksum, lastLine, osgit, osgitOk } from './helpers/tools.js';
import { OSTREE, ostreeOk } from './helpers/ostree.js';
import { osgitCommit } from './helpers/osgit.js';

const tmp = tempDirs('merge-ostree');
afterAll(() => tmp.cleanup());

let t = 0;
/** Commits `files` (the whole tree) on `branch` with a fixed timestamp; returns the commit. */
async function commit(repo: string, branch: string, files: Record<string, string | { text: string; mode: number }>, parent?: string): Promise<string> {
  const dir = tmp.make('tree');
  for (const [rel, spec] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    const s = typeof spec === 'string' ? { text: spec, mode: 0o644 } : spec;
    writeFileSync(join(dir, rel), s.text);
    chmodSync(join(dir, rel), s.mode);
  }
  chmodSync(dir, 0o755);
  const c = await osgitCommit(repo, ['-b', branch, '-s', `${branch} ${t}`, `--timestamp=@${1_700_000_000 + t++}`, '--owner-uid=0', '--owner-gid=0', ...(parent ? ['--parent', parent] : []), dir]);
  rmSync(dir, { recursive: true, force: true });
  return c;
}

describe.skipIf(!OSTREE)('merge commits and ostree', () => {
  it('ostree fsck, log and pull-local accept a merge commit that combined content and mode changes', async () => {
    const repo = join(tmp.make('repo'), 'repo');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    const base = await commit(repo, 'main', { 'usr/bin/tool': 'v1\n', 'etc/conf': 'a\nb\nc\nd\ne\n' });
    await commit(repo, 'topic', { 'usr/bin/tool': { text: 'v1\n', mode: 0o755 }, 'etc/conf': 'a\nb\nc\nd\nE\n' }, base);
    const ours = await commit(repo, 'main', { 'usr/bin/tool': 'v2\n', 'etc/conf': 'A\nb\nc\nd\ne\n' });
    const r = await osgitOk(['merge', '--repo', repo, '--into', 'main', 'topic']);
    const merge = expectChecksum(lastLine(r.stdout));
    expect(r.stdout).toMatch(/Merge made: main/);

    await ostreeOk(['fsck', `--repo=${repo}`]);
    const log = (await ostreeOk(['log', `--repo=${repo}`, 'main'])).stdout;
    expect(log).toContain(`commit ${merge}`);
    expect(log).toContain(`Parent:  ${ours}`);
    expect(log).toContain('Merge topic into main');

    const mirror = join(tmp.make('mirror'), 'repo');
    await ostreeOk(['init', `--repo=${mirror}`, '--mode=archive']);
    await ostreeOk(['pull-local', `--repo=${mirror}`, repo, 'main']);
    await ostreeOk(['fsck', `--repo=${mirror}`]);
    const out = join(tmp.make('co'), 'out');
    await ostreeOk(['checkout', `--repo=${mirror}`, '-U', 'main', out]);
    expect(readFileSync(join(out, 'usr/bin/tool'), 'utf8')).toBe('v2\n');
    expect((await import('node:fs')).statSync(join(out, 'usr/bin/tool')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(out, 'etc/conf'), 'utf8')).toBe('A\nb\nc\nd\nE\n');
    // The reflog names what happened, once the history helper records it.
    const show = await osgitOk(['show', '--repo', repo, '--json', merge]);
    expect(show.stdout).toContain('osgit.merge-parents');
  });

  it('cherry-pick and revert write commits ostree accepts, with git’s messages', async () => {
    const repo = join(tmp.make('repo'), 'repo');
    await osgitOk(['init', '--repo', repo, '--mode', 'bare-user']);
    const base = await commit(repo, 'main', { f: '1\n2\n3\n4\n5\n6\n7\n' });
    const fix = await commit(repo, 'dev', { f: '1\nTWO\n3\n4\n5\n6\n7\n' }, base);
    await commit(repo, 'main', { f: '1\n2\n3\n4\n5\n6\nseven\n' });
    const picked = expectChecksum(lastLine((await osgitOk(['cherry-pick', '--repo', repo, '--into', 'main', 'dev'])).stdout));
    const shown = JSON.parse((await osgitOk(['show', '--repo', repo, '--json', picked])).stdout);
    expect(JSON.stringify(shown)).toContain(`(cherry picked from commit ${fix})`);
    const out = join(tmp.make('co'), 'out');
    await osgitOk(['checkout', '--repo', repo, 'main', out]);
    expect(readFileSync(join(out, 'f'), 'utf8')).toBe('1\nTWO\n3\n4\n5\n6\nseven\n');

    const again = await osgit(['cherry-pick', '--repo', repo, '--into', 'main', 'dev']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/changes nothing/);

    const reverted = expectChecksum(lastLine((await osgitOk(['revert', '--repo', repo, '--into', 'main', picked])).stdout));
    const log = (await ostreeOk(['log', `--repo=${repo}`, 'main'])).stdout;
    expect(log).toContain(`Revert "dev`);
    expect(log).toContain(`This reverts commit ${picked}.`);
    await ostreeOk(['fsck', `--repo=${repo}`]);
    const out2 = join(tmp.make('co'), 'out');
    await osgitOk(['checkout', '--repo', repo, reverted, out2]);
    expect(readFileSync(join(out2, 'f'), 'utf8')).toBe('1\n2\n3\n4\n5\n6\nseven\n');
  });

  it('refuses to cherry-pick a merge commit without -m, and conflicts change nothing', async () => {
    const repo = join(tmp.make('repo'), 'repo');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    const base = await commit(repo, 'main', { f: 'a\n', g: 'g\n' });
    await commit(repo, 'topic', { f: 'a\n', g: 'G\n' }, base);
    await commit(repo, 'main', { f: 'b\n', g: 'g\n' });
    const merge = expectChecksum(lastLine((await osgitOk(['merge', '--repo', repo, '--into', 'main', 'topic'])).stdout));
    await commit(repo, 'other', { f: 'c\n', g: 'g\n' }, base);
    const refused = await osgit(['cherry-pick', '--repo', repo, '--into', 'other', merge]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is a merge .*-m N/);
    // -m 1: the change the merge brought from topic (g) applies cleanly.
    await osgitOk(['cherry-pick', '--repo', repo, '--into', 'other', '-m', '1', merge]);
    const tip = (await osgitOk(['rev-parse', '--repo', repo, 'other'])).stdout.trim();
    // Picking main's f change onto other (f: c) conflicts; the human output lists it with both sides.
    const conflict = await osgit(['cherry-pick', '--repo', repo, '--into', 'other', `${merge}^`]);
    expect(conflict.code).toBe(5);
    expect(conflict.stdout).toMatch(/CONFLICT \(content\): \/f\n {4}base: {3}file 0644 0:0 /);
    expect((await osgitOk(['rev-parse', '--repo', repo, 'other'])).stdout.trim()).toBe(tip);
  });
});
