// The dumb pull against servers that misbehave on purpose (small node:http servers over a
// repository the real ostree wrote): each gets a clear error code, no bad object is written
// (`ostree fsck` stays clean), no ref moves; transient failures are retried; an interrupted pull
// resumes without fetching again what it had verified.
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProtocolError, pull, type PullOptions } from '@osgit/protocol';
import { Repo, encodeCommit, encodeDirTree, sha256Hex } from '@osgit/store';
import { OSTREE, ostree, ostreeLs, ostreeRevParse, type RepoMode } from './helpers/ostree.js';
import { makeClientRepo, makeRemoteRepo, type RemoteRepo } from './helpers/pull-fixture.js';
import { startRepoHttpServer, type Misbehave, type RepoHttpServer } from './helpers/repo-http-server.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit } from './helpers/tools.js';

const tmp = tempDirs('pull-hostile');
const servers: RepoHttpServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await tmp.cleanup();
});

let remote: RemoteRepo;
/** content and dirtree checksums of test/main's tree, from ostree ls */
let files: string[];
let rootTree: string;

async function serve(misbehave?: Misbehave): Promise<RepoHttpServer> {
  const s = await startRepoHttpServer(remote.path, misbehave);
  servers.push(s);
  return s;
}

const objPath = (checksum: string, ext: string) => `/objects/${checksum.slice(0, 2)}/${checksum.slice(2)}.${ext}`;

/** Pulls test/main (or `refs`) with short retry delays; resolves with the error code, or 'ok'. */
async function pullCode(client: string, extra: Partial<PullOptions> = {}): Promise<string> {
  try {
    await pull({ repo: await Repo.open(client) }, { remote: 'origin', refs: ['test/main'], protocol: 'dumb', retryDelayMs: 5, ...extra });
    return 'ok';
  } catch (err) {
    if (isProtocolError(err)) return err.code;
    throw err;
  }
}

function storedObjects(repo: string): string[] {
  const dir = join(repo, 'objects');
  return readdirSync(dir).flatMap((d) => readdirSync(join(dir, d)).map((f) => `/objects/${d}/${f}`));
}

/** The client after a refused pull: fsck clean, no remote ref, and not `path` among its objects. */
async function expectUntouched(client: string, badPath?: string, mode: RepoMode = 'archive'): Promise<void> {
  const fsck = await ostree(['fsck', `--repo=${client}`]);
  expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
  expect(existsSync(join(client, 'refs', 'remotes', 'origin', 'test', 'main'))).toBe(false);
  if (badPath) {
    const stored = storedObjects(client).map((p) => (mode === 'archive' ? p : p.replace(/\.file$/, '.filez')));
    expect(stored).not.toContain(badPath);
  }
}

describe.skipIf(!OSTREE)('dumb pull from hostile servers', () => {
  beforeAll(async () => {
    remote = await makeRemoteRepo(tmp, { summary: true, bigFiles: false });
    const ls = await ostreeLs(remote.path, remote.second);
    files = [...new Set(ls.filter((e) => e.type === 'file' && e.size > 0).map((e) => e.checksum))];
    rootTree = ls.find((e) => e.path === '/')!.checksum;
  });

  for (const mode of ['archive', 'bare-user'] as const) {
    it(`refuses a corrupted content object (${mode} client)`, async () => {
      const bad = objPath(files[0]!, 'filez');
      const s = await serve(async ({ path, res, file }) => {
        if (path !== bad) return false;
        const body = Buffer.from((await file())!);
        body[body.length - 3]! ^= 0x55; // inside the deflate stream: a different file
        res.writeHead(200, { 'content-length': body.length }).end(body);
        return true;
      });
      const client = await makeClientRepo(tmp, mode, s.url);
      expect(await pullCode(client)).toBe('BAD_OBJECT');
      await expectUntouched(client, bad, mode);
    });
  }

  it('refuses an object other than the one asked for', async () => {
    const asked = objPath(files[0]!, 'filez');
    const other = objPath(files[1]!, 'filez');
    const s = await serve(async ({ path, res }) => {
      if (path !== asked) return false;
      const body = await readFile(join(remote.path, other));
      res.writeHead(200, { 'content-length': body.length }).end(body);
      return true;
    });
    const client = await makeClientRepo(tmp, 'archive', s.url);
    expect(await pullCode(client)).toBe('BAD_OBJECT');
    await expectUntouched(client, asked);
  });

  it('refuses a swapped dirtree (checksum mismatch) before reading it', async () => {
    const asked = objPath(rootTree, 'dirtree');
    const s = await serve(async ({ path, res }) => {
      if (path !== asked) return false;
      const body = Buffer.from(encodeDirTree({ files: [], dirs: [] }));
      res.writeHead(200, { 'content-length': body.length }).end(body);
      return true;
    });
    const client = await makeClientRepo(tmp, 'archive', s.url);
    expect(await pullCode(client)).toBe('BAD_OBJECT');
    await expectUntouched(client, asked);
  });

  it("refuses a dirtree naming '..' whose checksum is right", async () => {
    // A commit whose root tree holds a directory named '..' (the real root under it): every
    // byte checksums right, the name is what is wrong.
    const rootMeta = (await ostreeLs(remote.path, remote.second)).find((e) => e.path === '/')!.dirmeta!;
    const evilTree = Buffer.from(encodeDirTree({ files: [], dirs: [{ name: '..', tree: rootTree, meta: rootMeta }] }));
    const evilTreeSum = sha256Hex(evilTree);
    const evilCommit = Buffer.from(encodeCommit({
      metadata: [], parent: null, subject: 'evil', body: '', timestamp: 1577836800n, rootTree: evilTreeSum, rootMeta,
    }));
    const evilSum = sha256Hex(evilCommit);
    const overrides = new Map<string, Buffer | null>([
      ['/summary', null],
      ['/summary.sig', null],
      ['/refs/heads/evil', Buffer.from(`${evilSum}\n`)],
      [objPath(evilSum, 'commit'), evilCommit],
      [objPath(evilTreeSum, 'dirtree'), evilTree],
    ]);
    const s = await serve(({ path, res }) => {
      if (!overrides.has(path)) return false;
      const body = overrides.get(path);
      if (!body) res.writeHead(404).end();
      else res.writeHead(200, { 'content-length': body.length }).end(body);
      return true;
    });
    const client = await makeClientRepo(tmp, 'archive', s.url);
    let err: unknown;
    try {
      await pull({ repo: await Repo.open(client) }, { remote: 'origin', refs: ['evil'], protocol: 'dumb', retryDelayMs: 5 });
    } catch (e) {
      err = e;
    }
    expect(isProtocolError(err, 'BAD_OBJECT') && err.data.reason).toBe('UNSAFE_TREE');
    await expectUntouched(client, objPath(evilTreeSum, 'dirtree'));
    expect(existsSync(join(client, 'refs', 'remotes', 'origin', 'evil'))).toBe(false);
  });

  it('refuses a truncated object (a complete HTTP body that is cut short)', async () => {
    const bad = objPath(files[0]!, 'filez');
    const s = await serve(async ({ path, res, file }) => {
      if (path !== bad) return false;
      const body = (await file())!.subarray(0, 40);
      res.writeHead(200, { 'content-length': body.length }).end(body);
      return true;
    });
    const client = await makeClientRepo(tmp, 'archive', s.url);
    expect(await pullCode(client)).toBe('BAD_OBJECT');
    await expectUntouched(client, bad);
  });

  it('retries a body cut by a dropped connection, then gives up with NETWORK', async () => {
    const bad = objPath(files[0]!, 'filez');
    const s = await serve(async ({ path, res, file }) => {
      if (path !== bad) return false;
      const body = (await file())!;
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 10));
      setTimeout(() => res.destroy(), 10);
      return true;
    });
    const client = await makeClientRepo(tmp, 'archive', s.url);
    expect(await pullCode(client, { retries: 2 })).toBe('NETWORK');
    expect(s.requests.filter((r) => r.path === bad)).toHaveLength(3);
    await expectUntouched(client, bad);
  });

  it('abandons a transfer that stalls mid-body and reports STALLED', async () => {
    const bad = objPath(files[0]!, 'filez');
    const s = await serve(async ({ path, res, file }) => {
      if (path !== bad) return false;
      const body = (await file())!;
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 10)); // and nothing more, ever
      return true;
    });
    const client = await makeClientRepo(tmp, 'archive', s.url);
    expect(await pullCode(client, { stallTimeoutSecs: 1, retries: 1 })).toBe('STALLED');
    expect(s.requests.filter((r) => r.path === bad)).toHaveLength(2);
    await expectUntouched(client, bad);
  });

  it('retries 500s and succeeds', async () => {
    const s = await serve(({ path, n, res }) => {
      if (!path.startsWith('/objects/') || n > 2) return false;
      res.writeHead(500).end('busy');
      return true;
    });
    const client = await makeClientRepo(tmp, 'bare-user', s.url);
    expect(await pullCode(client)).toBe('ok');
    expect(await ostreeRevParse(client, 'origin:test/main')).toBe(remote.second);
    expect((await ostree(['fsck', `--repo=${client}`])).code).toBe(0);
    expect(s.requests.filter((r) => r.status === 500).length).toBeGreaterThan(2);
  });

  it('resumes an interrupted pull without fetching again what it verified', async () => {
    // A fresh pull's object requests, for comparison.
    const full = await serve();
    const reference = await makeClientRepo(tmp, 'archive', full.url);
    expect(await pullCode(reference)).toBe('ok');
    const all = full.objectsServed().filter((p) => !p.endsWith('.commitmeta'));

    // A server that dies half way: after serving half of the objects, every connection is dropped.
    let served = 0;
    const dying = await serve(({ path, req }) => {
      if (!path.startsWith('/objects/')) return false;
      if (++served <= all.length / 2) return false;
      req.socket.destroy();
      return true;
    });
    const client = await makeClientRepo(tmp, 'archive', dying.url);
    expect(await pullCode(client, { retries: 1 })).toBe('NETWORK');
    await expectUntouched(client);
    expect(existsSync(join(client, 'state', `${remote.second}.commitpartial`))).toBe(true);
    // What it verified and kept (an archive repo stores objects under their URL paths).
    const kept = storedObjects(client);
    expect(kept.length).toBeGreaterThan(2);

    // The same remote, healthy again: the second pull asks only for the rest.
    const healthy = await serve();
    await osgit(['remote', 'delete', '--repo', client, 'origin']);
    await osgit(['remote', 'add', '--repo', client, '--no-gpg-verify', 'origin', healthy.url]);
    expect(await pullCode(client)).toBe('ok');
    const second = healthy.objectsServed();
    expect(second.filter((p) => kept.includes(p))).toEqual([]);
    expect(second.length).toBeLessThan(all.length);
    expect(new Set([...kept, ...second].filter((p) => !p.endsWith('.commitmeta')))).toEqual(new Set(all));
    expect(await ostreeRevParse(client, 'origin:test/main')).toBe(remote.second);
    expect(existsSync(join(client, 'state', `${remote.second}.commitpartial`))).toBe(false);
    expect((await ostree(['fsck', `--repo=${client}`])).code).toBe(0);
  });

  it('fails on the command line with exit status 8 and one error line', async () => {
    const bad = objPath(files[0]!, 'filez');
    const s = await serve(({ path, res }) => {
      if (path !== bad) return false;
      res.writeHead(200, { 'content-length': 5 }).end('junk!');
      return true;
    });
    const client = await makeClientRepo(tmp, 'archive', s.url);
    const r = await osgit(['pull', '--repo', client, 'origin', 'test/main', '--protocol', 'dumb']);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^osgit: error: .*bad file object.*\n$/);
    await expectUntouched(client, bad);
  });
});
