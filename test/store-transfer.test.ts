// Moving objects between repositories through the store's transfer API (what pull and push are
// built on): reachableObjects lists, readObjectForTransfer gives archive-format bytes, and
// Transaction.writeReceivedObject verifies and stores them in any mode. The real `ostree` is the
// oracle: it writes the source repositories, its fsck judges the result, its `ls -R` gives the
// object counts.
import { createWriteStream, readFileSync, readdirSync, writeFileSync, rmSync, mkdirSync, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Repo, Transaction, clearCommitPartial, commitTree, isCommitPartial, markCommitPartial, openObjectForTransfer, reachableObjects,
  readObjectForTransfer, transferSizeOf, type Checksum, type ObjectType, type RepoMode,
} from '@osgit/store';
import { FIXTURE_COMMIT, FIXTURE_COMMIT_ARGS, makeFixtureTree } from './helpers/fixture.js';
import { OSTREE, ostree, ostreeCommit, ostreeInit, ostreeLs } from './helpers/ostree.js';
import { prngBytes } from './helpers/prng.js';
import { tempDirs } from './helpers/tmp.js';
import { requireRoot } from './helpers/tools.js';

const tmp = tempDirs('transfer');
afterAll(() => tmp.cleanup());
const ROOT = requireRoot();

let fixture: string;
/** ostree-written repositories holding the fixture commit, by mode */
const sources = new Map<RepoMode, string>();
beforeAll(async () => {
  if (!OSTREE || !ROOT) return;
  fixture = makeFixtureTree(tmp.path('fixture', 'tree')).root;
  for (const mode of ['archive', 'bare-user'] as const) {
    const repo = join(tmp.make(`src-${mode}`), 'repo');
    await ostreeInit(repo, mode);
    expect(await ostreeCommit(repo, [...FIXTURE_COMMIT_ARGS, fixture])).toBe(FIXTURE_COMMIT);
    sources.set(mode, repo);
  }
});

async function newRepo(mode: RepoMode): Promise<Repo> {
  return Repo.init(join(tmp.make(`dst-${mode}`), 'repo'), { mode });
}

/** Copies what `wants` reach from `src` into `dst` as a pull would, and points test/main at the first want. */
async function transfer(src: Repo, dst: Repo, wants: Checksum[], opts: { haves?: Checksum[]; depth?: number } = {}): Promise<number> {
  const tx = await Transaction.begin(dst);
  let n = 0;
  try {
    for await (const o of reachableObjects(src, wants, opts)) {
      await tx.writeReceivedObject(o.checksum, o.type, await readObjectForTransfer(src, o.checksum, o.type));
      n++;
    }
  } catch (err) {
    await tx.abort();
    throw err;
  }
  await tx.commit({ refs: [{ ref: { remote: null, name: 'test/main' }, expected: undefined, value: wants[0]! }] });
  return n;
}

/** Unique objects of a commit's tree as ostree lists them (dirtree, dirmeta and content checksums). */
async function ostreeObjects(repo: string, rev: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const e of await ostreeLs(repo, rev)) {
    if (e.type === 'dir') {
      out.add(`dirtree:${e.checksum}`);
      out.add(`dirmeta:${e.dirmeta}`);
    } else out.add(`file:${e.checksum}`);
  }
  return out;
}

async function expectFsckClean(repo: string): Promise<void> {
  const r = await ostree(['fsck', `--repo=${repo}`]);
  expect(r.code, `ostree fsck failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
}

describe.skipIf(!OSTREE || !ROOT)('store transfer between repositories', () => {
  for (const mode of ['bare-user', 'bare', 'archive'] as const) {
    it(`stores an ostree archive commit in a ${mode} repository that ostree fsck accepts`, async () => {
      const src = await Repo.open(sources.get('archive')!);
      const dst = await newRepo(mode);
      const n = await transfer(src, dst, [FIXTURE_COMMIT]);
      expect(n).toBe((await ostreeObjects(src.path, FIXTURE_COMMIT)).size + 1);
      await expectFsckClean(dst.path);
      expect(await ostreeLs(dst.path, FIXTURE_COMMIT)).toEqual(await ostreeLs(src.path, FIXTURE_COMMIT));
    });
  }

  it('keeps received .filez byte for byte in an archive repository', async () => {
    const src = await Repo.open(sources.get('archive')!);
    const dst = await newRepo('archive');
    await transfer(src, dst, [FIXTURE_COMMIT]);
    for (const e of await ostreeLs(src.path, FIXTURE_COMMIT)) {
      if (e.type === 'dir') continue;
      expect(readFileSync(dst.objectPath(e.checksum, 'file')).equals(readFileSync(src.objectPath(e.checksum, 'file'))), e.path).toBe(true);
    }
  });

  it('synthesizes .filez from a bare-user repository that round-trip into an archive repository ostree fsck accepts', async () => {
    const src = await Repo.open(sources.get('bare-user')!);
    const dst = await newRepo('archive');
    await transfer(src, dst, [FIXTURE_COMMIT]);
    await expectFsckClean(dst.path);
    expect(await ostreeLs(dst.path, FIXTURE_COMMIT)).toEqual(await ostreeLs(src.path, FIXTURE_COMMIT));
    // The size announced for an archive object is exact.
    for (const e of (await ostreeLs(src.path, FIXTURE_COMMIT)).slice(0, 20)) {
      if (e.type === 'dir') continue;
      expect(await transferSizeOf(dst, e.checksum, 'file')).toBe(readFileSync(dst.objectPath(e.checksum, 'file')).length);
    }
  });

  it('streams the same bytes as it reads whole, for every object of the fixture, from both modes', async () => {
    for (const mode of ['archive', 'bare-user'] as const) {
      const src = await Repo.open(sources.get(mode)!);
      for await (const o of reachableObjects(src, [FIXTURE_COMMIT])) {
        const whole = await readObjectForTransfer(src, o.checksum, o.type);
        const { size, stream } = await openObjectForTransfer(src, o.checksum, o.type);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        const streamed = Buffer.concat(chunks);
        if (size !== null) expect(size).toBe(streamed.length);
        // Compression of bare content may differ in bytes; what matters is that it is accepted.
        if (mode === 'archive' || o.type !== 'file') expect(streamed.equals(whole), `${o.type} ${o.checksum}`).toBe(true);
        else {
          const dst = await newRepo('bare-user');
          const tx = await Transaction.begin(dst);
          await tx.writeReceivedObject(o.checksum, o.type, streamed);
          await tx.abort();
        }
      }
    }
  });

  it('streams a large object in small chunks, and stores it from a temporary file', async () => {
    const src = await newRepo('bare-user');
    const tree = tmp.make('big');
    const content = prngBytes(0xb16, 24 * 1024 * 1024 + 5);
    writeFileSync(join(tree, 'big.bin'), content);
    const { commit } = await commitTree(src, { tree, branch: 'test/main', timestamp: 1577836800n });
    const big = (await ostreeLs(src.path, commit)).find((e) => e.path === '/big.bin')!;

    const sent = await openObjectForTransfer(src, big.checksum, 'file');
    expect(sent.size).toBeNull(); // compressed on the way
    const spool = join(tmp.make('spool'), 'object.filez');
    let largest = 0;
    await pipeline(sent.stream, new Transform({
      transform(chunk: Buffer, _enc, cb) {
        largest = Math.max(largest, chunk.length);
        cb(null, chunk);
      },
    }), createWriteStream(spool));
    expect(largest).toBeLessThanOrEqual(1024 * 1024);

    const dst = await newRepo('archive');
    const tx = await Transaction.begin(dst);
    expect(await tx.writeReceivedObject(big.checksum, 'file', { path: spool })).toBe(statSync(spool).size);
    await tx.commit();
    expect(readFileSync(dst.objectPath(big.checksum, 'file')).equals(readFileSync(spool))).toBe(true);
    const back = await openObjectForTransfer(dst, big.checksum, 'file');
    expect(back.size).toBe(statSync(spool).size);
    expect(await transferSizeOf(dst, big.checksum, 'file')).toBe(back.size);
    back.stream.destroy();
  });

  it('lists only what a have commit lacks, counted as ostree ls sees the two trees', async () => {
    const repo = join(tmp.make('history'), 'repo');
    await ostreeInit(repo, 'archive');
    const first = await ostreeCommit(repo, ['-b', 'test/main', '--timestamp=@1577836800', fixture]);
    // The second tree changes one deep file and adds a folder: most subtrees are shared.
    const tree2 = tmp.make('tree2');
    const r = await ostree(['checkout', `--repo=${repo}`, first, join(tree2, 't')]);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(tree2, 't', 'nested', 'a', 'b', 'c', 'deep.txt'), 'changed\n');
    mkdirSync(join(tree2, 't', 'added'));
    writeFileSync(join(tree2, 't', 'added', 'new.txt'), 'new\n');
    const second = await ostreeCommit(repo, ['-b', 'test/main', '--timestamp=@1577923200', join(tree2, 't')]);
    const src = await Repo.open(repo);

    const a = await ostreeObjects(repo, first);
    const b = await ostreeObjects(repo, second);
    const expected = new Set([`commit:${second}`, ...[...b].filter((k) => !a.has(k))]);
    const listed: string[] = [];
    for await (const o of reachableObjects(src, [second], { haves: [first] })) listed.push(`${o.type}:${o.checksum}`);
    expect(new Set(listed).size).toBe(listed.length);
    expect(new Set(listed)).toEqual(expected);
    expect(listed.length).toBeLessThan(b.size / 2);

    // Without haves: everything, each once; with depth -1 the parent commit and its tree too.
    const all: string[] = [];
    for await (const o of reachableObjects(src, [second], { depth: -1 })) all.push(`${o.type}:${o.checksum}`);
    expect(new Set(all)).toEqual(new Set([`commit:${second}`, `commit:${first}`, ...a, ...b]));
    expect(all.length).toBe(new Set(all).size);
    expect(all.slice(0, 2)).toEqual([`commit:${second}`, `commit:${first}`]);

    const commitsOnly: string[] = [];
    for await (const o of reachableObjects(src, [second], { depth: -1, commitMetadataOnly: true })) commitsOnly.push(`${o.type}:${o.checksum}`);
    expect(commitsOnly).toEqual([`commit:${second}`, `commit:${first}`]);

    // The incremental transfer on top of the first commit gives a repository ostree accepts.
    const dst = await newRepo('bare-user');
    await transfer(src, dst, [first]);
    const tx = await Transaction.begin(dst);
    for await (const o of reachableObjects(src, [second], { haves: [first] })) {
      await tx.writeReceivedObject(o.checksum, o.type, await readObjectForTransfer(src, o.checksum, o.type));
    }
    await tx.commit({ refs: [{ ref: { remote: null, name: 'test/main' }, expected: first, value: second }] });
    await expectFsckClean(dst.path);
    expect(await ostreeLs(dst.path, second)).toEqual(await ostreeLs(repo, second));
  });

  it('ends history at a missing parent, and refuses any other missing object with OBJECT_MISSING', async () => {
    const src = await Repo.open(sources.get('archive')!);
    // A copy of only the commit and its tree (depth 0) has a commit whose parent is absent.
    const dst = await newRepo('archive');
    await transfer(src, dst, [FIXTURE_COMMIT]);
    const listed: ObjectType[] = [];
    for await (const o of reachableObjects(dst, [FIXTURE_COMMIT], { depth: -1 })) listed.push(o.type);
    expect(listed.filter((t) => t === 'commit')).toHaveLength(1);

    const victim = (await ostreeLs(dst.path, FIXTURE_COMMIT)).find((e) => e.type === 'file')!;
    rmSync(dst.objectPath(victim.checksum, 'file'));
    const err = await (async () => {
      for await (const o of reachableObjects(dst, [FIXTURE_COMMIT])) void o;
    })().then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'OBJECT_MISSING', data: { checksum: victim.checksum, type: 'file' } });
  });

  it('refuses, as ostree pull does, to put setuid files into a bare-user-only repository, and moves no ref', async () => {
    const src = await Repo.open(sources.get('archive')!);
    const dst = await newRepo('bare-user-only');
    await expect(transfer(src, dst, [FIXTURE_COMMIT])).rejects.toMatchObject({ code: 'COMMIT_INPUT' });
    expect(readdirSync(join(dst.path, 'refs', 'heads'))).toEqual([]);
    const theirs = join(tmp.make('their-buo'), 'repo');
    await ostreeInit(theirs, 'bare-user-only');
    const r = await ostree(['pull-local', `--repo=${theirs}`, src.path, 'test/main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/invalid mode/);
  });

  it('a commit marked partial is completed by ostree pull, which reads the same marker', async () => {
    const src = await Repo.open(sources.get('archive')!);
    const dst = await newRepo('archive');
    await transfer(src, dst, [FIXTURE_COMMIT]);
    const victim = (await ostreeLs(dst.path, FIXTURE_COMMIT)).find((e) => e.type === 'file')!;
    rmSync(dst.objectPath(victim.checksum, 'file'));
    await markCommitPartial(dst, FIXTURE_COMMIT);
    const r = await ostree(['pull-local', `--repo=${dst.path}`, src.path, 'test/main']);
    expect(r.code, r.stderr).toBe(0);
    // ostree fetched the missing object because of our marker, then removed it as complete.
    expect(await isCommitPartial(dst, FIXTURE_COMMIT)).toBe(false);
    await expectFsckClean(dst.path);
  });

  it('marks a commit partial in the file ostree reads: its fsck skips the commit', async () => {
    const src = await Repo.open(sources.get('archive')!);
    const dst = await newRepo('archive');
    await transfer(src, dst, [FIXTURE_COMMIT]);
    const victim = (await ostreeLs(dst.path, FIXTURE_COMMIT)).find((e) => e.type === 'file')!;
    rmSync(dst.objectPath(victim.checksum, 'file'));
    expect((await ostree(['fsck', `--repo=${dst.path}`])).code).not.toBe(0);
    // ostree fsck marked it itself; start from no marker.
    await clearCommitPartial(dst, FIXTURE_COMMIT);
    expect(await isCommitPartial(dst, FIXTURE_COMMIT)).toBe(false);
    await markCommitPartial(dst, FIXTURE_COMMIT);
    expect(await isCommitPartial(dst, FIXTURE_COMMIT)).toBe(true);
    expect(readFileSync(join(dst.path, 'state', `${FIXTURE_COMMIT}.commitpartial`)).length).toBe(0);
    const r = await ostree(['fsck', `--repo=${dst.path}`]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout + r.stderr).toContain('1 partial commits not verified');
    await clearCommitPartial(dst, FIXTURE_COMMIT);
    await clearCommitPartial(dst, FIXTURE_COMMIT);
    expect(readdirSync(join(dst.path, 'state'))).toEqual([]);
  });
});
