// Names and symlink targets are stored byte for byte or refused: a symlink target that is not
// UTF-8 is refused with one COMMIT_INPUT line (exit 6) naming it, leaving the branch and the
// objects as they were; text starting with a byte-order mark keeps it (as ostree keeps it).
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OSTREE, readRefFile } from './helpers/ostree.js';
import { tempDirs } from './helpers/tmp.js';
import { describeFailure, expectChecksum, lastLine, start, startOsgit, type RunResult } from './helpers/tools.js';

const tmp = tempDirs('odd-names');
afterAll(() => tmp.cleanup());

async function ok(p: Promise<RunResult>, what: string, args: string[]): Promise<RunResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(describeFailure(what, args, r));
  return r;
}

function objectFiles(repo: string): string[] {
  const root = join(repo, 'objects');
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((n) => `${d}/${n}`)).sort();
}

describe('a symlink whose target is not UTF-8', () => {
  let repo: string;
  let tree: string;
  let first: string;

  beforeAll(async () => {
    repo = join(tmp.make('repo'), 'repo');
    tree = join(tmp.make('tree'), 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'a.txt'), 'first\n');
    await ok(startOsgit(['init', '--repo', repo, '--mode', 'archive']).done, 'osgit init', []);
    const args = ['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836800', tree];
    first = expectChecksum(lastLine((await ok(startOsgit(args).done, 'osgit commit', args)).stdout));
    writeFileSync(join(tree, 'b.txt'), 'a new file, staged before the link is met\n');
    // bytes 66 ff 2e: "f", an invalid byte, "."
    symlinkSync(Buffer.from([0x66, 0xff, 0x2e]), Buffer.from(join(tree, 'z-link')));
  });

  it('is refused with one line naming the link, exit 6, nothing written', async () => {
    const before = objectFiles(repo);
    const r = await startOsgit(['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836900', tree]).done;
    expect(r.code, r.stderr).toBe(6);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^osgit: error: /);
    expect(lines[0]).toContain(join(tree, 'z-link'));
    expect(lines[0]).toContain('not valid UTF-8');
    expect(readRefFile(repo, 'main')).toBe(`${first}\n`);
    expect(objectFiles(repo)).toEqual(before);
  });

  it('names the error COMMIT_INPUT in --json', async () => {
    const r = await startOsgit(['commit', '--repo', repo, '--json', '-b', 'main', '--timestamp=@1577836900', tree]).done;
    expect(r.code).toBe(6);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('COMMIT_INPUT');
    expect(readRefFile(repo, 'main')).toBe(`${first}\n`);
  });
});

describe.skipIf(!OSTREE)('names and targets that start with a byte-order mark', () => {
  it('are kept byte for byte: the same checksum as ostree commit', async () => {
    const tree = join(tmp.make('bom'), 'tree');
    mkdirSync(tree);
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    writeFileSync(Buffer.concat([Buffer.from(`${tree}/`), bom, Buffer.from('name.txt')]), 'bom\n');
    symlinkSync(Buffer.concat([bom, Buffer.from('target')]), Buffer.from(join(tree, 'link')));
    const dir = tmp.make('bom-repos');
    const o = join(dir, 'ostree');
    const g = join(dir, 'osgit');
    await ok(start(OSTREE!, ['init', `--repo=${o}`, '--mode=archive']).done, 'ostree init', []);
    await ok(startOsgit(['init', '--repo', g, '--mode', 'archive']).done, 'osgit init', []);
    const args = ['-b', 'bom', '--timestamp=@1577836800', tree];
    const theirs = lastLine((await ok(start(OSTREE!, ['commit', `--repo=${o}`, ...args]).done, 'ostree commit', args)).stdout);
    const ours = lastLine((await ok(startOsgit(['commit', '--repo', g, ...args]).done, 'osgit commit', args)).stdout);
    expect(ours).toBe(expectChecksum(theirs));
  });
});
