// fsck reports all the damage it finds in one run: a ref holding garbage does not stop it before
// it finds a corrupt object and a missing one (exit 4, and --json lists every problem). And a
// ref holding garbage is corrupt data (exit 4) for every command, not a usage error.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { describeFailure, expectChecksum, lastLine, startOsgit, type RunResult } from './helpers/tools.js';

const tmp = tempDirs('fsck-damage');
afterAll(() => tmp.cleanup());

async function osgit(args: string[]): Promise<RunResult> {
  return startOsgit(args).done;
}

async function osgitOk(args: string[]): Promise<RunResult> {
  const r = await osgit(args);
  if (r.code !== 0) throw new Error(describeFailure('osgit', args, r));
  return r;
}

/** Path of the bare-user content object whose bytes are `content` (the file objects hold them raw). */
function contentObject(repo: string, content: string): { path: string; checksum: string } {
  const objects = join(repo, 'objects');
  for (const dir of readdirSync(objects)) {
    for (const name of readdirSync(join(objects, dir))) {
      if (!name.endsWith('.file')) continue;
      const path = join(objects, dir, name);
      if (readFileSync(path, 'utf8') === content) return { path, checksum: dir + name.slice(0, -'.file'.length) };
    }
  }
  throw new Error(`no content object holds ${JSON.stringify(content)}`);
}

interface FsckJson {
  ok: boolean;
  problems: Array<{ checksum: string; type: string; message: string }>;
  brokenRefs: Array<{ ref: string; commit: string | null; code: string; message: string }>;
  affectedCommits: Array<{ commit: string; refs: string[] }>;
}

describe('fsck of a repository with a garbage ref, a corrupt object and a missing object', () => {
  let repo: string;
  let commit: string;
  let corrupt: string;
  let missing: string;

  beforeAll(async () => {
    repo = join(tmp.make('repo'), 'repo');
    const tree = tmp.make('tree');
    writeFileSync(join(tree, 'hello.txt'), 'hello world\n');
    writeFileSync(join(tree, 'other.txt'), 'another file\n');
    await osgitOk(['init', '--repo', repo, '--mode', 'bare-user']);
    commit = expectChecksum(lastLine((await osgitOk(['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836800', tree])).stdout));
    // A garbage ref sorted before "main", so that a first-error stop would hide everything else.
    writeFileSync(join(repo, 'refs', 'heads', 'junk'), 'this is not a checksum\n');
    // Same length, other bytes: only a rehash finds it.
    const hello = contentObject(repo, 'hello world\n');
    writeFileSync(hello.path, 'HELLO WORLD\n');
    corrupt = hello.checksum;
    const other = contentObject(repo, 'another file\n');
    rmSync(other.path);
    missing = other.checksum;
  });

  it('reports all three in one human run and exits 4', async () => {
    const r = await osgit(['fsck', '--repo', repo]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toContain('ref junk holds an invalid checksum');
    expect(r.stdout).toContain(corrupt);
    expect(r.stdout).toContain(`file object ${missing} is missing`);
    expect(r.stdout).toContain(`affected commit ${commit} (refs: main)`);
  });

  it('lists all three in --json and exits 4', async () => {
    const r = await osgit(['fsck', '--repo', repo, '--json']);
    expect(r.code, r.stderr).toBe(4);
    const doc = JSON.parse(r.stdout) as FsckJson;
    expect(doc.ok).toBe(false);
    expect(doc.brokenRefs).toEqual([
      { ref: 'junk', commit: null, code: 'REF_CORRUPT', message: 'ref junk holds an invalid checksum "this is not a checksum"' },
    ]);
    expect(doc.problems.map((p) => [p.checksum, p.type]).sort()).toEqual([[corrupt, 'file'], [missing, 'file']].sort());
    expect(doc.problems.find((p) => p.checksum === corrupt)!.message).toContain('corrupted file object');
    expect(doc.affectedCommits).toEqual([{ commit, refs: ['main'] }]);
  });
});

describe('a ref holding garbage, met by other commands', () => {
  let repo: string;

  beforeAll(async () => {
    repo = join(tmp.make('garbage'), 'repo');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    writeFileSync(join(repo, 'refs', 'heads', 'junk'), 'garbage\n');
  });

  for (const args of [['rev-parse', 'junk'], ['log', 'junk'], ['show', 'junk'], ['refs']]) {
    it(`is corrupt data for ${args[0]}: exit 4, REF_CORRUPT`, async () => {
      const r = await osgit([args[0]!, '--repo', repo, '--json', ...args.slice(1)]);
      expect(r.code, r.stderr).toBe(4);
      expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('REF_CORRUPT');
      expect(r.stderr).toContain('ref junk holds an invalid checksum');
    });
  }

  it('leaves a bad ref name a usage error: exit 2', async () => {
    const r = await osgit(['rev-parse', '--repo', repo, 'bad name']);
    expect(r.code, r.stderr).toBe(2);
  });
});
