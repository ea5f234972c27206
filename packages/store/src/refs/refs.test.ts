// Refs move only by compare-and-swap, are stored exactly as OSTree stores them, and are listed
// (nested, and remote-tracking with REMOTE:NAME) the way `ostree refs` lists them.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles } from '../../../../test/helpers/store-fixtures.js';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool, run } from '../../../../test/helpers/tools.js';
import { StoreError } from '../errors.js';
import { sha256Hex, type Checksum } from '../checksum.js';
import { Repo } from '../repo/repo.js';
import { lockFile } from '../fsio/file-lock.js';
import { listRefs, readRef, updateRef } from './refs.js';
import { formatRef, type RefName } from './ref-name.js';

const OSTREE = requireTool('ostree');
const tmp = tempDirs('refs');
afterAll(() => tmp.cleanup());

async function newRepo(): Promise<Repo> {
  return Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
}

const local = (name: string): RefName => ({ remote: null, name });
const remote = (r: string, name: string): RefName => ({ remote: r, name });

async function expectCode(p: Promise<unknown>, code: string): Promise<StoreError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(StoreError);
  expect((err as StoreError).code, (err as StoreError).message).toBe(code);
  expect((err as StoreError).message).not.toContain('\n');
  return err as StoreError;
}

// Ref values are checksums; refs do not care whether the commit exists (ostree does not either).
const A: Checksum = sha256Hex(Buffer.from('commit A'));
const B: Checksum = sha256Hex(Buffer.from('commit B'));
const C: Checksum = sha256Hex(Buffer.from('commit C'));

describe('updateRef', () => {
  let repo: Repo;
  beforeAll(async () => {
    repo = await newRepo();
  });

  it('creates a ref as 64 hex and a newline, the way ostree writes it', async () => {
    await updateRef(repo, { ref: local('os/main'), expected: null, value: A });
    expect(readFileSync(join(repo.path, 'refs/heads/os/main'), 'utf8')).toBe(`${A}\n`);
    expect(await readRef(repo, local('os/main'))).toBe(A);
  });

  it('moves a ref when the expected value matches', async () => {
    await updateRef(repo, { ref: local('cas'), expected: null, value: A });
    await updateRef(repo, { ref: local('cas'), expected: A, value: B });
    expect(await readRef(repo, local('cas'))).toBe(B);
  });

  it('refuses with REF_CONFLICT when the ref holds something else, and leaves the ref unchanged', async () => {
    await updateRef(repo, { ref: local('conflict'), expected: null, value: A });
    const path = join(repo.path, 'refs/heads/conflict');
    const before = readFileSync(path);
    const err = await expectCode(updateRef(repo, { ref: local('conflict'), expected: B, value: C }), 'REF_CONFLICT');
    expect(err.data).toMatchObject({ ref: 'conflict', current: A, expected: B });
    expect(err.message).toContain(A);
    expect(readFileSync(path)).toEqual(before);
  });

  it('refuses with REF_CONFLICT to create a ref that must not exist but does', async () => {
    await updateRef(repo, { ref: local('exists'), expected: null, value: A });
    await expectCode(updateRef(repo, { ref: local('exists'), expected: null, value: B }), 'REF_CONFLICT');
    expect(await readRef(repo, local('exists'))).toBe(A);
  });

  it('refuses with REF_CONFLICT to move a ref that does not exist', async () => {
    await expectCode(updateRef(repo, { ref: local('absent'), expected: A, value: B }), 'REF_CONFLICT');
    expect(await readRef(repo, local('absent'))).toBeNull();
    expect(existsSync(join(repo.path, 'refs/heads/absent'))).toBe(false);
  });

  it('overwrites without a check when no expected value is given', async () => {
    await updateRef(repo, { ref: local('blind'), expected: undefined, value: A });
    await updateRef(repo, { ref: local('blind'), expected: undefined, value: B });
    expect(await readRef(repo, local('blind'))).toBe(B);
  });

  it('deletes a ref (value null), by compare-and-swap too', async () => {
    await updateRef(repo, { ref: local('doomed'), expected: null, value: A });
    await expectCode(updateRef(repo, { ref: local('doomed'), expected: B, value: null }), 'REF_CONFLICT');
    expect(await readRef(repo, local('doomed'))).toBe(A);
    await updateRef(repo, { ref: local('doomed'), expected: A, value: null });
    expect(await readRef(repo, local('doomed'))).toBeNull();
    expect(existsSync(join(repo.path, 'refs/heads/doomed'))).toBe(false);
    // Deleting what is already gone is fine when nothing was expected.
    await updateRef(repo, { ref: local('doomed'), expected: undefined, value: null });
  });

  it('leaves no lock or temp file beside the ref', async () => {
    await updateRef(repo, { ref: local('tidy/x'), expected: null, value: A });
    await updateRef(repo, { ref: local('tidy/x'), expected: A, value: B }).catch(() => undefined);
    await updateRef(repo, { ref: local('tidy/x'), expected: C, value: B }).catch(() => undefined);
    expect(readdirSync(join(repo.path, 'refs/heads/tidy'))).toEqual(['x']);
  });

  it('lets exactly one of many concurrent swaps from the same value win', async () => {
    await updateRef(repo, { ref: local('race'), expected: null, value: A });
    const values = Array.from({ length: 8 }, (_, i) => sha256Hex(Buffer.from(`racer ${i}`)));
    const results = await Promise.allSettled(values.map((v) => updateRef(repo, { ref: local('race'), expected: A, value: v })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [values[i]] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as StoreError).code).toBe('REF_CONFLICT');
    expect(await readRef(repo, local('race'))).toBe(won[0]);
  });

  it('waits for the refs lock another holder has, and never deletes the lock file', async () => {
    await updateRef(repo, { ref: local('waits'), expected: null, value: A });
    const path = join(repo.path, 'osgit', 'locks', 'refs.lock');
    const inode = statSync(path).ino;
    const held = (await lockFile(path, { exclusive: true, timeoutMs: 0 }))!;
    const pending = updateRef(repo, { ref: local('waits'), expected: A, value: B });
    expect(await readRef(repo, local('waits'))).toBe(A);
    await held.release();
    await pending;
    expect(await readRef(repo, local('waits'))).toBe(B);
    expect(statSync(path).ino).toBe(inode);
  });

  it('fails with REPO_LOCKED, changing nothing, when the refs lock stays held past lock-timeout-secs', async () => {
    const path = join(tmp.path('timeout', 'repo'));
    await Repo.init(path, { mode: 'archive' });
    writeFileSync(join(path, 'config'), '[core]\nrepo_version=1\nmode=archive-z2\nlock-timeout-secs=0\n');
    const strict = await Repo.open(path);
    await updateRef(strict, { ref: local('main'), expected: null, value: A });
    const held = (await lockFile(join(path, 'osgit', 'locks', 'refs.lock'), { exclusive: true, timeoutMs: 0 }))!;
    const err = await expectCode(updateRef(strict, { ref: local('main'), expected: A, value: B }), 'REPO_LOCKED');
    expect(err.message).toContain(join(path, 'osgit', 'locks', 'refs.lock'));
    expect(await readRef(strict, local('main'))).toBe(A);
    await held.release();
  });

  it('refuses with REF_INVALID a ref whose folder is taken by another ref', async () => {
    await updateRef(repo, { ref: local('leaf'), expected: null, value: A });
    await expectCode(updateRef(repo, { ref: local('leaf/child'), expected: null, value: B }), 'REF_INVALID');
    expect(await readRef(repo, local('leaf'))).toBe(A);
  });

  it('writes remote-tracking refs under refs/remotes/REMOTE/', async () => {
    await updateRef(repo, { ref: remote('origin', 'os/main'), expected: null, value: C });
    expect(readFileSync(join(repo.path, 'refs/remotes/origin/os/main'), 'utf8')).toBe(`${C}\n`);
    expect(await readRef(repo, remote('origin', 'os/main'))).toBe(C);
    expect(await readRef(repo, local('os/main'))).toBe(A);
  });
});

describe('readRef', () => {
  it('answers null for a ref that does not exist, or whose path runs through a ref file', async () => {
    const repo = await newRepo();
    expect(await readRef(repo, local('nope'))).toBeNull();
    expect(await readRef(repo, remote('nobody', 'nope'))).toBeNull();
    await updateRef(repo, { ref: local('file'), expected: null, value: A });
    expect(await readRef(repo, local('file/below'))).toBeNull();
  });

  it('accepts a ref file without its trailing newline', async () => {
    const repo = await newRepo();
    writeFileSync(join(repo.path, 'refs/heads/bare'), A);
    expect(await readRef(repo, local('bare'))).toBe(A);
  });
});

describe('listRefs', () => {
  let repo: Repo;
  const LOCAL = ['main', 'os/aarch64/main', 'os/x86_64/devel', 'os/x86_64/main', 'z'];
  const REMOTE: Array<[string, string]> = [['origin', 'main'], ['origin', 'os/x86_64/main'], ['upstream', 'a/b/c']];
  beforeAll(async () => {
    repo = await newRepo();
    for (const [i, name] of LOCAL.entries()) {
      await updateRef(repo, { ref: local(name), expected: null, value: sha256Hex(Buffer.from(name + i)) });
    }
    for (const [r, name] of REMOTE) await updateRef(repo, { ref: remote(r, name), expected: null, value: B });
    // Leftovers of interrupted writes are not refs.
    writeFileSync(join(repo.path, 'refs/heads/os/.main.lock'), '1\n');
    writeFileSync(join(repo.path, 'refs/heads/.z.tmp-1-abcd'), A);
  });

  it('lists local refs, nested ones included, sorted by name', async () => {
    const refs = await listRefs(repo);
    expect(refs.map((r) => formatRef(r.ref))).toEqual(LOCAL);
    expect(refs.every((r) => r.ref.remote === null)).toBe(true);
    expect(refs.find((r) => r.ref.name === 'main')?.commit).toBe(sha256Hex(Buffer.from('main0')));
  });

  it('lists remote-tracking refs as REMOTE:NAME only when asked', async () => {
    const refs = await listRefs(repo, { remotes: true });
    expect(refs.map((r) => formatRef(r.ref))).toEqual(
      [...LOCAL, ...REMOTE.map(([r, n]) => `${r}:${n}`)].sort(),
    );
    expect(refs.find((r) => r.ref.remote === 'upstream')).toEqual({ ref: { remote: 'upstream', name: 'a/b/c' }, commit: B });
  });

  it('answers [] for a repo without refs', async () => {
    expect(await listRefs(await newRepo(), { remotes: true })).toEqual([]);
  });

  it.skipIf(!OSTREE)('lists the same refs as `ostree refs` on a repo ostree made', async () => {
    const r = await newRepo();
    const commit = await commitFiles(r, tmp.make('src'), { f: 'f\n' }, { branch: 'main', timestamp: 1577836800n });
    for (const spec of ['os/x86_64/main', 'origin:main', 'origin:os/main', 'other:x']) {
      const res = await run(OSTREE!, ['refs', `--repo=${r.path}`, `--create=${spec}`, commit]);
      expect(res.code, res.stderr).toBe(0);
    }
    mkdirSync(join(r.path, 'refs/heads/empty-folder'));
    const out = await run(OSTREE!, ['refs', `--repo=${r.path}`]);
    expect(out.code, out.stderr).toBe(0);
    const theirs = out.stdout.split('\n').filter(Boolean).sort();
    const ours = (await listRefs(r, { remotes: true })).map((e) => formatRef(e.ref));
    expect(ours).toEqual(theirs);
    expect((await listRefs(r, { remotes: true })).every((e) => e.commit === commit)).toBe(true);
  });
});
