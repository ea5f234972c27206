// `osgit push` against `osgit serve`: round trips with the real ostree as the reader, what moves
// on the wire, races between pushes, pushes cut in the middle, fast-forward rules and hostile
// push bodies. Servers are real (`osgit serve` on 127.0.0.1, port 0); where a test needs the
// network to misbehave, a small real proxy (helpers/push-proxy.ts) sits in between.
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, checksumToBytes, encodeCommit, encodeDirMeta, sha256Hex } from '@osgit/store';
import { pack } from '@osgit/protocol';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, type RunResult } from './helpers/tools.js';
import { OSTREE, ostreeOk, ostreeRevParse } from './helpers/ostree.js';
import { makeFixtureTree, makeGeneratedTree } from './helpers/fixture.js';
import { startServe, type Served } from './helpers/serve.js';
import { startPushProxy } from './helpers/push-proxy.js';
import { rawRequest } from './helpers/http-request.js';

const tmp = tempDirs('push');
let secretKey: string;
let publicKey: string;

async function token(args: readonly string[]): Promise<string> {
  const r = await osgitOk(['token', 'create', '--key', secretKey, '--expires', '1h', '--json', ...args]);
  return (JSON.parse(r.stdout) as { token: string }).token;
}

/** A fresh server repository (archive, as ostree serves them) behind `osgit serve` with the push key. */
async function serveRepo(): Promise<{ repo: string; served: Served }> {
  const repo = join(tmp.make('server'), 'srv');
  await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
  const served = await startServe({ repo }, ['--token-public-key', publicKey, '--quiet']);
  return { repo, served };
}

/** A client repository with one commit of `tree` on `branch`, and remote `origin` at `url`. */
async function clientRepo(mode: 'archive' | 'bare-user', url: string): Promise<string> {
  const repo = join(tmp.make('client'), 'repo');
  await osgitOk(['init', '--repo', repo, '--mode', mode]);
  await osgitOk(['remote', 'add', '--repo', repo, '--no-gpg-verify', 'origin', url]);
  return repo;
}

/** A copy of client repository `repo` (its commits and refs) whose remote origin is at `url`. */
async function copyRepo(repo: string, url: string): Promise<string> {
  const copy = join(tmp.make('copy'), 'repo');
  await fs.cp(repo, copy, { recursive: true, verbatimSymlinks: true });
  await osgitOk(['remote', 'delete', '--repo', copy, 'origin']);
  await osgitOk(['remote', 'add', '--repo', copy, '--no-gpg-verify', 'origin', url]);
  return copy;
}

async function commit(repo: string, tree: string, branch: string, extra: readonly string[] = []): Promise<string> {
  const r = await osgitOk(['commit', '--repo', repo, '-b', branch, '--timestamp=@1577836800', ...extra, tree]);
  return r.stdout.trim().split('\n').pop()!;
}

function pushCli(repo: string, tok: string, args: readonly string[]): Promise<RunResult> {
  return osgit(['push', '--repo', repo, '--json', ...args], { env: { OSGIT_TOKEN: tok } });
}

function json(r: RunResult): any {
  return JSON.parse(r.stdout);
}

/** The checksum in refs/PATH, or null when there is no such ref. */
async function refOf(repo: string, path: string): Promise<string | null> {
  try {
    return (await fs.readFile(join(repo, 'refs', path), 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Every object file of a repository, relative to objects/. */
async function objectFiles(repo: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await fs.readdir(join(repo, 'objects'))) {
    for (const name of await fs.readdir(join(repo, 'objects', sub))) out.push(`${sub}/${name}`);
  }
  return out.sort();
}

beforeAll(async () => {
  const dir = tmp.make('keys');
  await osgitOk(['token', 'keygen', join(dir, 'k')]);
  secretKey = join(dir, 'k');
  publicKey = join(dir, 'k.pub');
});
afterAll(() => tmp.cleanup());

describe.skipIf(!OSTREE)('osgit push', () => {
  it('round-trips: what a bare-user repo pushes, ostree and osgit (smart and dumb) pull back from the same server, whole; a second push sends nothing', async () => {
    const { repo: server, served } = await serveRepo();
    const proxy = await startPushProxy(served.url);
    try {
      const client = await clientRepo('bare-user', proxy.url);
      const tree = makeFixtureTree(tmp.make('tree')).root;
      const c1 = await commit(client, tree, 'os/x86_64/stable');
      const tok = await token(['--repo', 'srv', '--ref', 'os/x86_64/*', '--op', 'push']);

      const first = await pushCli(client, tok, ['origin', 'os/x86_64/stable']);
      expect(first.code, first.stderr).toBe(0);
      const result = json(first);
      expect(result.refs).toEqual([{ ref: 'os/x86_64/stable', old: null, new: c1, status: 'created' }]);
      expect(result.objectsStored).toBe(result.objectsSent);
      expect(result.summaryUpdated).toBe(true);
      expect(await refOf(server, 'heads/os/x86_64/stable')).toBe(c1);
      expect(await refOf(client, 'remotes/origin/os/x86_64/stable')).toBe(c1);
      // The summary was regenerated after the ref moved: ostree sees the ref through it.
      const summary = await ostreeOk(['summary', '--repo', server, '--view']);
      expect(summary.stdout).toContain('os/x86_64/stable');
      await ostreeOk(['fsck', '--repo', server]);

      // ostree pulls it back through the dumb routes of the same server, and finds the same tree.
      const back = join(tmp.make('back'), 'repo');
      await ostreeOk(['init', '--repo', back, '--mode', 'archive']);
      await ostreeOk(['remote', 'add', '--repo', back, '--no-gpg-verify', 'srv', served.url]);
      await ostreeOk(['pull', '--repo', back, 'srv', 'os/x86_64/stable']);
      await ostreeOk(['fsck', '--repo', back]);
      expect(await ostreeRevParse(back, 'srv:os/x86_64/stable')).toBe(c1);
      const lsBack = await ostreeOk(['ls', '--repo', back, '-R', '-X', c1]);
      const lsClient = await ostreeOk(['ls', '--repo', client, '-R', '-X', c1]);
      expect(lsBack.stdout).toBe(lsClient.stdout);

      // osgit pulls it back too, over both protocols, into a bare-user repo: the same commit, whole.
      for (const protocol of ['smart', 'dumb']) {
        const mine = await clientRepo('bare-user', served.url);
        await osgitOk(['pull', '--repo', mine, 'origin', 'os/x86_64/stable', '--protocol', protocol]);
        expect(await refOf(mine, 'remotes/origin/os/x86_64/stable')).toBe(c1);
        await ostreeOk(['fsck', '--repo', mine]);
        expect((await ostreeOk(['ls', '--repo', mine, '-R', '-X', c1])).stdout).toBe(lsClient.stdout);
      }

      // The same push again: the ref is there, nothing to send.
      const before = proxy.totalBytes();
      const second = await pushCli(client, tok, ['origin', 'os/x86_64/stable']);
      expect(second.code, second.stderr).toBe(0);
      expect(json(second)).toMatchObject({ upToDate: true, objectsSent: 0 });
      expect(proxy.totalBytes() - before).toBeLessThan(100 * 1024);
    } finally {
      await proxy.stop();
      await served.stop();
    }
  });

  it('sends only what the server lacks on top of what it has, and fast-forwards', async () => {
    const { repo: server, served } = await serveRepo();
    const proxy = await startPushProxy(served.url);
    try {
      const client = await clientRepo('archive', proxy.url);
      const tree = tmp.make('gen');
      makeGeneratedTree(tree, { files: 400, perDir: 50 });
      const c1 = await commit(client, tree, 'main');
      const tok = await token(['--repo', 'srv', '--ref', 'main', '--op', 'push']);
      expect((await pushCli(client, tok, ['origin', 'main'])).code).toBe(0);
      await fs.writeFile(join(tree, 'd000', 'changed.txt'), 'one new file\n');
      const c2 = await commit(client, tree, 'main');
      const before = proxy.totalBytes();
      const r = await pushCli(client, tok, ['origin', 'main']);
      expect(r.code, r.stderr).toBe(0);
      // commit, root dirtree, d000's dirtree, the new file: nothing of the 400 unchanged files.
      expect(json(r)).toMatchObject({ objectsSent: 4, refs: [{ ref: 'main', old: c1, new: c2, status: 'fast-forward' }] });
      expect(proxy.totalBytes() - before).toBeLessThan(100 * 1024);
      await ostreeOk(['fsck', '--repo', server]);
    } finally {
      await proxy.stop();
      await served.stop();
    }
  });

  it('lets exactly one of two concurrent pushes to one ref win; the other gets PUSH_CONFLICT (exit 5) and nothing is lost', async () => {
    const { repo: server, served } = await serveRepo();
    const tok = await token(['--repo', 'srv', '--ref', 'main', '--op', 'push']);
    // Both clients start from the same commit on the server.
    const seed = await clientRepo('archive', served.url);
    const base = tmp.make('base');
    await fs.writeFile(join(base, 'common.txt'), 'common\n');
    const c0 = await commit(seed, base, 'main');
    expect((await pushCli(seed, tok, ['origin', 'main'])).code).toBe(0);
    // Both push requests are held by the proxy until both arrived, then race.
    const proxy = await startPushProxy(served.url, { pushBarrier: 2 });
    try {
      const clients: Array<{ name: string; repo: string; commit: string }> = [];
      for (const name of ['a', 'b']) {
        const repo = await copyRepo(seed, proxy.url);
        const tree = tmp.make(`tree-${name}`);
        await fs.writeFile(join(tree, 'common.txt'), 'common\n');
        await fs.writeFile(join(tree, `${name}.txt`), `only in ${name}\n`.repeat(1000));
        clients.push({ name, repo, commit: await commit(repo, tree, 'main') });
      }
      const results = await Promise.all(clients.map((c) => pushCli(c.repo, tok, ['origin', 'main'])));
      const codes = results.map((r) => r.code).sort();
      expect(codes, results.map((r) => r.stderr).join('\n')).toEqual([0, 5]);
      const loser = results.find((r) => r.code === 5)!;
      expect(json(loser).error.code).toBe('PUSH_CONFLICT');
      const winner = clients[results.findIndex((r) => r.code === 0)]!;
      const lost = clients[results.findIndex((r) => r.code === 5)]!;
      expect(await refOf(server, 'heads/main')).toBe(winner.commit);
      await ostreeOk(['fsck', '--repo', server]);
      // The loser's objects were verified and kept (its retry after a merge sends none of them).
      const kept = await ostreeOk(['cat', '--repo', server, lost.commit, `/${lost.name}.txt`]);
      expect(kept.stdout).toBe(`only in ${lost.name}\n`.repeat(1000));
    } finally {
      await proxy.stop();
      await served.stop();
    }
  });

  it('keeps no ref moved when a push is cut mid-stream, keeps what arrived verified, and the next push sends only the rest', async () => {
    const { repo: server, served } = await serveRepo();
    const proxy = await startPushProxy(served.url, { cutPushAfterBytes: 3 * 1024 * 1024 });
    try {
      const client = await clientRepo('archive', proxy.url);
      const tree = tmp.make('gen');
      makeGeneratedTree(tree, { files: 600, perDir: 60, maxSize: 24 * 1024 });
      const c1 = await commit(client, tree, 'main');
      const tok = await token(['--repo', 'srv', '--ref', 'main', '--op', 'push']);

      const cutPush = await pushCli(client, tok, ['origin', 'main']);
      await proxy.cut;
      expect(cutPush.code).toBe(8); // the connection was lost: a network error
      // The server's push transaction holds the repository's shared lock until it has kept what
      // arrived: taking the exclusive lock waits for exactly that.
      await (await acquireLock(server, 'exclusive', { timeoutMs: 120_000 })).release();
      const planned = cutPush.stderr.split('\n').filter((l) => l.startsWith('{"progress"')).map((l) => JSON.parse(l).progress);
      const total = planned.find((p) => p.phase === 'sending').totalObjects as number;
      expect(total).toBeGreaterThan(600);
      expect(await refOf(server, 'heads/main')).toBeNull();
      // The objects that arrived before the cut were verified and kept; no commit among them
      // (the client sends commits last), and ostree finds the repository sound.
      const kept = await objectFiles(server);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(total);
      expect(kept.filter((o) => o.endsWith('.commit'))).toEqual([]);
      await ostreeOk(['fsck', '--repo', server]);

      const retry = await pushCli(client, tok, ['origin', 'main']);
      expect(retry.code, retry.stderr).toBe(0);
      expect(json(retry)).toMatchObject({ objectsSent: total - kept.length, objectsStored: total - kept.length });
      expect(await refOf(server, 'heads/main')).toBe(c1);
      await ostreeOk(['fsck', '--repo', server]);
    } finally {
      await proxy.stop();
      await served.stop();
    }
  });

  it('refuses a non-fast-forward without --force, and with --force unless the token may force', async () => {
    const { repo: server, served } = await serveRepo();
    try {
      const client = await clientRepo('archive', served.url);
      const tree = tmp.make('tree');
      await fs.writeFile(join(tree, 'one.txt'), 'one\n');
      const c1 = await commit(client, tree, 'main');
      const pushTok = await token(['--repo', 'srv', '--ref', 'main', '--op', 'push']);
      const forceTok = await token(['--repo', 'srv', '--ref', 'main', '--op', 'force']);
      expect((await pushCli(client, pushTok, ['origin', 'main'])).code).toBe(0);
      // Unrelated history on another local branch, pushed onto main.
      await fs.writeFile(join(tree, 'one.txt'), 'rewritten\n');
      const c2 = await commit(client, tree, 'rewrite', ['--parent', 'none']);

      const plain = await pushCli(client, pushTok, ['origin', 'rewrite:main']);
      expect([plain.code, json(plain).error.code]).toEqual([9, 'PUSH_REJECTED']);
      expect(json(plain).error.message).toMatch(/not a fast-forward/);
      const notAllowed = await pushCli(client, pushTok, ['origin', 'rewrite:main', '--force']);
      expect([notAllowed.code, json(notAllowed).error.code]).toEqual([9, 'FORBIDDEN']);
      expect(await refOf(server, 'heads/main')).toBe(c1);

      const forced = await pushCli(client, forceTok, ['origin', 'rewrite:main', '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(json(forced).refs).toEqual([{ ref: 'main', old: c1, new: c2, status: 'forced' }]);
      expect(await refOf(server, 'heads/main')).toBe(c2);
      await ostreeOk(['fsck', '--repo', server]);
    } finally {
      await served.stop();
    }
  });

  it('answers hostile push bodies with a 4xx, makes nothing of them visible, and keeps serving', async () => {
    const { repo: server, served } = await serveRepo();
    try {
      const tok = await token(['--repo', 'srv', '--ref', '*', '--op', 'push']);
      const before = await objectFiles(server);
      const post = (body: Buffer) =>
        rawRequest(served.url, '/osgit/v1/push', { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/x-osgit-pack' }, body });
      const packOf = (objects: Array<[pack.TypeCode, string, Uint8Array]>, ref: string, commit: string) =>
        Buffer.concat([
          pack.encodePackHeader({ objects: objects.length, bytes: objects.reduce((n, o) => n + o[2].length, 0) }),
          ...objects.map(([t, c, d]) => pack.encodeRecord({ k: 'o', t, c: checksumToBytes(c), d })),
          pack.encodeRefsRecord([{ ref, old: null, new: checksumToBytes(commit) }]),
          pack.encodePackEnd(objects.length),
        ]);
      const dirmeta = encodeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] });
      const dirmetaSum = sha256Hex(dirmeta);
      const commitOf = (rootTree: string) => encodeCommit({ metadata: [], parent: null, subject: 'x', body: '', timestamp: 1577836800n, rootTree, rootMeta: dirmetaSum });

      // An object whose bytes are not its checksum's.
      const corrupt = await post(packOf([[3, 'ab'.repeat(32), dirmeta]], 'a', 'cd'.repeat(32)));
      expect([corrupt.status, JSON.parse(corrupt.body.toString()).error.code]).toEqual([400, 'OBJECT_CORRUPT']);
      // Bytes that are no pack at all.
      const garbage = await post(Buffer.from('GET / HTTP/1.1\r\n\r\n'.repeat(100)));
      expect(garbage.status).toBe(400);
      // A well-formed commit whose tree was never sent and is not on the server.
      const dangling = commitOf('ef'.repeat(32));
      const danglingSum = sha256Hex(dangling);
      const holes = await post(packOf([[3, dirmetaSum, dirmeta], [4, danglingSum, dangling]], 'b', danglingSum));
      expect([holes.status, JSON.parse(holes.body.toString()).error.code]).toEqual([422, 'PUSH_REJECTED']);
      expect(JSON.parse(holes.body.toString())).toMatchObject({ kept: false, stored: [] });

      expect(await objectFiles(server)).toEqual(before);
      expect(await fs.readdir(join(server, 'refs', 'heads'))).toEqual([]);
      await ostreeOk(['fsck', '--repo', server]);
      const alive = await rawRequest(served.url, '/osgit/v1/capabilities');
      expect(alive.status).toBe(200);
      expect(JSON.parse(alive.body.toString()).operations).toContain('push');
    } finally {
      await served.stop();
    }
  });

  it('moves all refs of a push or none: when the second ref lost its race, the first is put back', async () => {
    const { repo: server, served } = await serveRepo();
    const tok = await token(['--repo', 'srv', '--ref', '*', '--op', 'push']);
    const tree = tmp.make('tree');
    await fs.writeFile(join(tree, 'f.txt'), 'first\n');
    const direct = await clientRepo('archive', served.url);
    const c1 = await commit(direct, tree, 'main');
    expect((await pushCli(direct, tok, ['origin', 'main:x', 'main:y'])).code).toBe(0);
    // Between the client reading the refs and its push arriving, ostree itself commits onto y.
    const other = tmp.make('other');
    await fs.writeFile(join(other, 'g.txt'), 'by another writer\n');
    let theirs = '';
    const proxy = await startPushProxy(served.url, {
      beforePush: async () => {
        theirs = (await ostreeOk(['commit', '--repo', server, '-b', 'y', '--timestamp=2020-01-01T00:00:00Z', `--tree=dir=${other}`])).stdout.trim();
      },
    });
    try {
      const client = await copyRepo(direct, proxy.url);
      await fs.writeFile(join(tree, 'f.txt'), 'second\n');
      await commit(client, tree, 'main');
      const r = await pushCli(client, tok, ['origin', 'main:x', 'main:y']);
      expect([r.code, json(r).error.code]).toEqual([5, 'PUSH_CONFLICT']);
      expect(await refOf(server, 'heads/x')).toBe(c1);
      expect(await refOf(server, 'heads/y')).toBe(theirs);
      await ostreeOk(['fsck', '--repo', server]);
    } finally {
      await proxy.stop();
      await served.stop();
    }
  });

  it("takes the token from OSGIT_TOKEN, else from the remote's osgit-token, and without one is refused (exit 9)", async () => {
    const { repo: server, served } = await serveRepo();
    try {
      const client = await clientRepo('archive', served.url);
      const tree = tmp.make('tree');
      await fs.writeFile(join(tree, 'f.txt'), 'f\n');
      const c1 = await commit(client, tree, 'main');
      const none = await osgit(['push', '--repo', client, '--json', 'origin', 'main'], { env: { OSGIT_TOKEN: undefined } });
      expect([none.code, json(none).error.code]).toEqual([9, 'UNAUTHORIZED']);
      expect(json(none).error.message).toMatch(/OSGIT_TOKEN/);
      const tok = await token(['--repo', 'srv', '--ref', 'main', '--op', 'push']);
      await osgitOk(['remote', 'delete', '--repo', client, 'origin']);
      await osgitOk(['remote', 'add', '--repo', client, '--no-gpg-verify', '--set', `osgit-token=${tok}`, 'origin', served.url]);
      const configured = await osgit(['push', '--repo', client, '--json', 'origin', 'main'], { env: { OSGIT_TOKEN: undefined } });
      expect(configured.code, configured.stderr).toBe(0);
      expect(await refOf(server, 'heads/main')).toBe(c1);
    } finally {
      await served.stop();
    }
  });

  it('refuses an object over --max-object and a body over --max-body with TOO_LARGE (the client from the announced limits, the server with 413), keeping nothing', async () => {
    const repo = join(tmp.make('server'), 'srv');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    const before = await objectFiles(repo);
    const tok = await token(['--repo', 'srv', '--ref', '*', '--op', 'push']);
    const tree = tmp.make('tree');
    await fs.writeFile(join(tree, 'big.bin'), randomBytes(3 * 1024 * 1024));
    for (const limit of [['--max-object', '1M'], ['--max-body', '256K']]) {
      const served = await startServe({ repo }, ['--token-public-key', publicKey, '--quiet', ...limit]);
      try {
        const client = await clientRepo('archive', served.url);
        await commit(client, tree, 'main');
        const r = await pushCli(client, tok, ['origin', 'main']);
        expect([limit[0], r.code, json(r).error.code]).toEqual([limit[0], 9, 'TOO_LARGE']);
        if (limit[0] === '--max-object') {
          // A client that ignores the announced limit: the server refuses the object itself.
          const body = Buffer.concat([
            pack.encodePackHeader({ objects: 1, bytes: 1536 * 1024 }),
            pack.encodeRecord({ k: 'o', t: 1, c: randomBytes(32), d: randomBytes(1536 * 1024) }),
            pack.encodePackEnd(1),
          ]);
          const raw = await rawRequest(served.url, '/osgit/v1/push', { method: 'POST', headers: { authorization: `Bearer ${tok}` }, body });
          expect([raw.status, JSON.parse(raw.body.toString()).error.code]).toEqual([413, 'TOO_LARGE']);
        }
        expect(await refOf(repo, 'heads/main')).toBeNull();
        expect(await objectFiles(repo)).toEqual(before);
      } finally {
        await served.stop();
      }
    }
  });
});
