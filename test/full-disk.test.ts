// A full disk in the middle of a commit: a clear one-line error, the branch where it was, no
// staging left behind, and a repository that both fsck tools still pass. The disk is a small
// tmpfs mounted for the test (needs root; CI runs as root).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, lastLine, requireRoot, requireTool, run, runOk } from './helpers/tools.js';
import { prngBytes } from './helpers/prng.js';

const tmp = tempDirs('full-disk');
const root = requireRoot();
const OSTREE = requireTool('ostree');
let disk = '';
let mounted = false;

beforeAll(async () => {
  if (!root) return;
  disk = tmp.make('mnt');
  await runOk('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', disk]);
  mounted = true;
});

afterAll(async () => {
  if (mounted) await runOk('umount', [disk]);
  await tmp.cleanup();
});

describe.skipIf(!root || !OSTREE)('a commit that fills the disk', () => {
  it('fails with NO_SPACE in one line, leaves the branch and the repository as they were', async () => {
    const repo = join(disk, 'repo');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    const small = tmp.make('small');
    writeFileSync(join(small, 'hello.txt'), 'hello\n');
    const first = lastLine((await osgitOk(['commit', '--repo', repo, '-b', 'os/main', '--timestamp=@1700000000', small])).stdout);

    // 6 MiB of incompressible data cannot fit in what is left of 3 MiB.
    const big = tmp.make('big');
    mkdirSync(join(big, 'data'));
    for (let i = 0; i < 12; i++) writeFileSync(join(big, 'data', `blob${i}`), prngBytes(1000 + i, 512 * 1024));
    const r = await osgit(['commit', '--repo', repo, '-b', 'os/main', '--timestamp=@1700000001', big]);

    expect(r.code).toBe(7);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^osgit: error: no space left/);
    expect(lines.length).toBeLessThanOrEqual(2); // the error, and at most a hint
    expect(lastLine((await osgitOk(['rev-parse', '--repo', repo, 'os/main'])).stdout)).toBe(first);
    expect(readdirSync(join(repo, 'tmp')).filter((n) => n.startsWith('osgit-staging'))).toEqual([]);
    expect((await osgit(['fsck', '--repo', repo])).code).toBe(0);
    const o = await run(OSTREE!, ['fsck', `--repo=${repo}`]);
    expect(o.code, o.stderr).toBe(0);
  });
});
