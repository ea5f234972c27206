// osgit's smart pull from `osgit serve`: the same commits and trees as ostree's own pull, an
// incremental pull that moves only what changed (counted from ostree's listings), --depth, a
// pack cut half way (no ref moves, the retry fetches only the rest), and the capability probe
// (a static nginx has no smart side).
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Packr, Unpackr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repo } from '@osgit/store';
import { isProtocolError, probeSmart, smartPull } from '@osgit/protocol';
import { expectTreesEqual, snapshotTree } from './helpers/compare.js';
import { makeFixtureTree } from './helpers/fixture.js';
import { haveNginx, startNginx } from './helpers/nginx.js';
import { OSTREE, ostree, ostreeCheckout, ostreeCommit, ostreeInit, ostreeLs, ostreeOk, type RepoMode } from './helpers/ostree.js';
import { prngBytes } from './helpers/prng.js';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { errorCodeOf, rawRequest } from './helpers/http-request.js';
import { osgitOk, requireRoot } from './helpers/tools.js';

const tmp = tempDirs('pull-smart');
const msgpack = new Packr({ useRecords: false, variableMapSize: true });
const ROOT = requireRoot();
const TS = '--timestamp=@1577836800';
/** Over the pack's 4 MiB threshold even compressed: travels as chunk records. */
const HUGE = 5 * 1024 * 1024 + 7;

/** Every loose object of a repo as `checksum.ext`. */
function objectNames(repo: string): Set<string> {
  const out = new Set<string>();
  for (const sub of readdirSync(join(repo, 'objects'))) for (const name of readdirSync(join(repo, 'objects', sub))) out.add(sub + name);
  return out;
}

/** The objects a commit reaches per ostree's own listing: its files, dirtrees and dirmetas (commit excluded). */
async function treeObjects(repo: string, rev: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const e of await ostreeLs(repo, rev)) {
    if (e.type === 'dir') {
      out.add(`dirtree:${e.checksum}`);
      out.add(`dirmeta:${e.dirmeta!}`);
    } else {
      out.add(`file:${e.checksum}`);
    }
  }
  return out;
}

async function fsckOk(repo: string): Promise<void> {
  const r = await ostree(['fsck', `--repo=${repo}`]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
}

async function newRepo(name: string, mode: RepoMode): Promise<string> {
  const path = join(tmp.make(name), 'repo');
  await ostreeInit(path, mode);
  return path;
}

async function pull(repo: string, url: string, opts: Parameters<typeof smartPull>[1] = {}) {
  return smartPull({ repo: await Repo.open(repo), remote: { name: 'origin', url } }, opts);
}

/** The value of refs/remotes/origin/NAME, or null when there is none. */
function remoteRef(repo: string, name: string): string | null {
  try {
    return readFileSync(join(repo, 'refs', 'remotes', 'origin', name), 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

describe.skipIf(!OSTREE || !ROOT)('smart pull from osgit serve', () => {
  let src: string;
  let tree: string;
  let A: string;
  let B: string;
  let served: Served;

  beforeAll(async () => {
    src = await newRepo('src', 'archive');
    tree = makeFixtureTree(tmp.path('fixture', 'tree')).root;
    A = await ostreeCommit(src, ['-b', 'os/main', TS, tree]);
    // B: one file changed, one added (large, random), one removed; the rest shared with A.
    writeFileSync(join(tree, 'hello.txt'), 'hello again\n');
    writeFileSync(join(tree, 'nested/a/b/c/huge.bin'), prngBytes(0x5eed, HUGE));
    rmSync(join(tree, 'café/name with spaces.txt'));
    B = await ostreeCommit(src, ['-b', 'os/main', TS, tree]);
    await ostreeOk(['refs', `--repo=${src}`, '--create=os/old', A]);
    served = await startServe({ repo: src });
  });

  afterAll(async () => {
    await served?.stop();
    await tmp.cleanup();
  });

  it.each(['archive', 'bare-user'] as const)('pulls into a %s repo exactly what ostree pulls; fsck passes; the checkout is the source', async (mode) => {
    const mine = await newRepo(`smart-${mode}`, mode);
    const theirs = await newRepo(`ostree-${mode}`, mode);
    const result = await pull(mine, served.url, { refs: ['os/main'] });
    expect(result.refs).toEqual([{ remoteRef: 'os/main', localRef: 'origin:os/main', old: null, new: B }]);
    await ostreeOk(['remote', 'add', `--repo=${theirs}`, '--no-gpg-verify', 'origin', served.url]);
    await ostreeOk(['pull', `--repo=${theirs}`, 'origin', 'os/main']);
    expect((await ostreeOk(['rev-parse', `--repo=${mine}`, 'origin:os/main'])).stdout.trim()).toBe(B);
    // The same objects, by name (archive: the same bytes too, both keep the server's .filez).
    expect([...objectNames(mine)].sort()).toEqual([...objectNames(theirs)].sort());
    await fsckOk(mine);
    const outMine = tmp.path(`co-smart-${mode}`);
    const outSrc = tmp.path(`co-src-${mode}`);
    await ostreeCheckout(mine, B, outMine, mode === 'bare-user' ? ['-U'] : []);
    await ostreeCheckout(src, B, outSrc, mode === 'bare-user' ? ['-U'] : []);
    const opts = mode === 'bare-user' ? { ownership: false, ignoreXattrs: ['security.selinux', 'user.ostreemeta'] } : {};
    expectTreesEqual(snapshotTree(outSrc, opts), snapshotTree(outMine, opts), { labels: ['source checkout', 'smart-pulled checkout'] });
    expect(result.fetched.bytes).toBe(result.planned.bytes);
  });

  it.each(['archive', 'bare-user'] as const)('osgit pull --protocol smart into a %s repo stores what --protocol dumb stores', async (mode) => {
    const [smartRepo, dumbRepo] = [await newRepo(`cli-smart-${mode}`, mode), await newRepo(`cli-dumb-${mode}`, mode)];
    for (const [repo, protocol] of [[smartRepo, 'smart'], [dumbRepo, 'dumb']] as const) {
      await osgitOk(['remote', 'add', '--repo', repo, '--no-gpg-verify', 'origin', served.url]);
      const r = JSON.parse((await osgitOk(['pull', '--repo', repo, '--protocol', protocol, '--json', 'origin', 'os/main'])).stdout) as { protocol: string; refs: { commit: string }[] };
      expect([r.protocol, r.refs[0]!.commit]).toEqual([protocol, B]);
      await fsckOk(repo);
    }
    expect([...objectNames(smartRepo)].sort()).toEqual([...objectNames(dumbRepo)].sort());
    expect(remoteRef(smartRepo, 'os/main')).toBe(B);
  });

  it('pulls from a bare-user repo, whose large files the server compresses on the way', async () => {
    const bare = await newRepo('src-bare-user', 'bare-user');
    await ostreeOk(['pull-local', `--repo=${bare}`, src, 'os/main']);
    const bareServed = await startServe({ repo: bare });
    try {
      const repo = await newRepo('from-bare', 'archive');
      const r = await pull(repo, bareServed.url, { refs: ['os/main'] });
      expect(r.refs[0]!.new).toBe(B);
      await fsckOk(repo);
      const [out, expected] = [tmp.path('co-from-bare'), tmp.path('co-src-bare')];
      await ostreeCheckout(repo, B, out);
      await ostreeCheckout(src, B, expected);
      expectTreesEqual(snapshotTree(expected), snapshotTree(out), { labels: ['source checkout', 'pulled from bare-user'] });
    } finally {
      await bareServed.stop();
    }
  });

  it('pulls incrementally only the objects of B that A does not have (counted from ostree ls)', async () => {
    const repo = await newRepo('incremental', 'bare-user');
    await pull(repo, served.url, { refs: ['os/old'] });
    const before = objectNames(repo);
    const [inA, inB] = [await treeObjects(src, A), await treeObjects(src, B)];
    const expected = [...inB].filter((k) => !inA.has(k)).length + 1; // + the commit B
    const result = await pull(repo, served.url, { refs: ['os/main'] });
    expect(result.fetched.objects).toBe(expected);
    expect(result.planned.objects).toBe(expected);
    expect(objectNames(repo).size - before.size).toBe(expected);
    await fsckOk(repo);
  });

  it('pulls parents down to --depth', async () => {
    const shallow = await newRepo('depth0', 'archive');
    await pull(shallow, served.url, { refs: ['os/main'], depth: 0 });
    const commitOf = (c: string) => `${c.slice(0, 2)}${c.slice(2)}.commit`;
    expect(objectNames(shallow).has(commitOf(B)) && !objectNames(shallow).has(commitOf(A))).toBe(true);
    const deep = await newRepo('depth1', 'archive');
    const r = await pull(deep, served.url, { refs: ['os/main'], depth: 1 });
    expect(objectNames(deep).has(commitOf(A))).toBe(true);
    const union = new Set([...(await treeObjects(src, A)), ...(await treeObjects(src, B))]);
    expect(r.fetched.objects).toBe(union.size + 2); // + commits A and B
    await fsckOk(deep);
  });

  it('mirrors every ref of the summary with --mirror and no refs, and copies the summary verbatim', async () => {
    await ostreeOk(['summary', '-u', `--repo=${src}`]);
    const repo = await newRepo('mirror', 'archive');
    const r = await pull(repo, served.url, { mirror: true });
    expect(r.refs.map((x) => [x.localRef, x.new]).sort()).toEqual([['os/main', B], ['os/old', A]]);
    expect(readFileSync(join(repo, 'summary')).equals(readFileSync(join(src, 'summary')))).toBe(true);
    expect((await ostreeOk(['rev-parse', `--repo=${repo}`, 'os/main'])).stdout.trim()).toBe(B);
    await fsckOk(repo);
  });

  it('pulls commit metadata only', async () => {
    const repo = await newRepo('metadata-only', 'archive');
    const r = await pull(repo, served.url, { refs: ['os/main'], commitMetadataOnly: true });
    expect(r.fetched.objects).toBe(1);
    expect([...objectNames(repo)]).toEqual([`${B.slice(0, 2)}${B.slice(2)}.commit`]);
    expect(readdirSync(join(repo, 'state'))).toEqual([`${B}.commitpartial`]);
  });

  it('refuses a ref the remote does not have, moving nothing', async () => {
    const repo = await newRepo('no-ref', 'archive');
    await expect(pull(repo, served.url, { refs: ['os/nope'] })).rejects.toSatisfy((e) => isProtocolError(e, 'REMOTE_REF_NOT_FOUND'));
    expect(objectNames(repo).size).toBe(0);
  });

  describe('a pack cut half way', () => {
    let proxy: CuttingProxy;
    beforeAll(async () => {
      proxy = await startCuttingProxy(served.url);
    });
    afterAll(() => proxy.close());

    it('fails without moving a ref, keeps what was verified, and the retry fetches only the rest', async () => {
      const repo = await newRepo('cut', 'archive');
      proxy.cutPackAfter = 600_000;
      const err = await pull(repo, proxy.url, { refs: ['os/main'], retries: 0 }).catch((e: unknown) => e);
      expect(isProtocolError(err, 'NETWORK')).toBe(true);
      expect(remoteRef(repo, 'os/main')).toBeNull();
      const kept = objectNames(repo).size;
      expect(kept).toBeGreaterThan(0);
      expect(readdirSync(join(repo, 'state'))).toEqual([`${B}.commitpartial`]);
      await fsckOk(repo);

      proxy.cutPackAfter = Infinity;
      const planned = (await treeObjects(src, B)).size + 1;
      const r = await pull(repo, proxy.url, { refs: ['os/main'], retries: 0 });
      expect(r.planned.objects).toBe(planned);
      expect(proxy.packRequests.at(-1)).toBe(planned - kept);
      expect(r.fetched.objects).toBe(planned - kept);
      expect(remoteRef(repo, 'os/main')).toBe(B);
      expect(readdirSync(join(repo, 'state'))).toEqual([]);
      await fsckOk(repo);
    });

    it('resumes by itself within one pull when retries are allowed', async () => {
      const repo = await newRepo('cut-retry', 'archive');
      proxy.cutPackAfter = 600_000;
      proxy.cutsLeft = 1;
      const before = proxy.packRequests.length;
      const r = await pull(repo, proxy.url, { refs: ['os/main'] });
      const asked = proxy.packRequests.slice(before);
      expect(asked.length).toBe(2);
      expect(asked[1]).toBeLessThan(asked[0]!);
      expect(r.fetched.objects).toBe(asked[1]);
      expect(remoteRef(repo, 'os/main')).toBe(B);
      await fsckOk(repo);
    });
  });

  describe('the fetch routes of osgit serve', () => {
    const post = (path: string, body: Buffer) => rawRequest(served.url, `/osgit/v1/${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-msgpack' } });
    const bin = (hex: string) => Buffer.from(hex, 'hex');

    it('lists the refs ostree lists', async () => {
      const res = await rawRequest(served.url, '/osgit/v1/refs');
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString('utf8'))).toEqual({ refs: { 'os/main': B, 'os/old': A } });
    });

    it('plans B for a client that has A: exactly the objects ostree ls shows in B and not in A', async () => {
      const res = await post('fetch/plan', msgpack.pack({ want: [bin(B)], have: [bin(A)], depth: 0, commitMetadataOnly: false }));
      expect(res.status).toBe(200);
      const plan = new Unpackr({ useRecords: false }).unpack(res.body) as { objects: [number, Buffer, number][]; totals: { objects: number } };
      const names = ['', 'file', 'dirtree', 'dirmeta', 'commit'];
      const got = new Set(plan.objects.map(([t, c]) => `${names[t]}:${c.toString('hex')}`));
      const [inA, inB] = [await treeObjects(src, A), await treeObjects(src, B)];
      expect(got).toEqual(new Set([`commit:${B}`, ...[...inB].filter((k) => !inA.has(k))]));
      expect(plan.totals.objects).toBe(got.size);
    });

    it.each([
      ['garbage', () => Buffer.from('c1c1', 'hex'), 400, 'BAD_RESPONSE'],
      ['a 31-byte want', () => msgpack.pack({ want: [Buffer.alloc(31)] }), 400, 'BAD_RESPONSE'],
      ['a commit the server lacks', () => msgpack.pack({ want: [Buffer.alloc(32, 7)] }), 404, 'OBJECT_MISSING'],
    ])('answers a plan request with %s with a JSON %i', async (_name, body, status, code) => {
      const res = await post('fetch/plan', body());
      expect([res.status, errorCodeOf(res)]).toEqual([status, code]);
    });

    it.each([
      ['an unknown type', () => msgpack.pack({ objects: [[9, Buffer.alloc(32)]] }), 400, 'BAD_RESPONSE'],
      ['an object the server lacks', () => msgpack.pack({ objects: [[4, bin(B)], [1, Buffer.alloc(32, 7)]] }), 404, 'OBJECT_MISSING'],
    ])('answers a pack request with %s with a JSON %i before any pack byte', async (_name, body, status, code) => {
      const res = await post('fetch/pack', body());
      expect([res.status, errorCodeOf(res)]).toEqual([status, code]);
    });
  });

  it('finds the smart side of osgit serve with one probe', async () => {
    const caps = await probeSmart({ url: served.url });
    expect(caps?.operations).toContain('fetch');
  });

  describe.skipIf(!haveNginx())('against a static server', () => {
    it('finds no smart side on nginx serving the same repo', async () => {
      const nginx = await startNginx(src);
      try {
        expect(await probeSmart({ url: nginx.url })).toBeNull();
      } finally {
        await nginx.stop();
      }
    });
  });
});

interface CuttingProxy {
  url: string;
  /** Bytes of a pack response passed on before the connection is destroyed. */
  cutPackAfter: number;
  /** How many pack responses are still cut (Infinity: all). */
  cutsLeft: number;
  /** Objects asked for by each pack request that went through. */
  packRequests: number[];
  close(): Promise<void>;
}

/** A real HTTP proxy in front of `upstream` that cuts pack responses after N bytes (a dropped link). */
async function startCuttingProxy(upstream: string): Promise<CuttingProxy> {
  const up = new URL(upstream);
  const state: CuttingProxy = { url: '', cutPackAfter: Infinity, cutsLeft: Infinity, packRequests: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const isPack = req.url!.endsWith('/osgit/v1/fetch/pack');
      if (isPack) state.packRequests.push((new Unpackr({ useRecords: false }).unpack(body) as { objects: unknown[] }).objects.length);
      const cut = isPack && state.cutsLeft > 0 && Number.isFinite(state.cutPackAfter) ? state.cutPackAfter : Infinity;
      if (Number.isFinite(cut)) state.cutsLeft--;
      const upReq = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } }, (upRes) => {
        res.writeHead(upRes.statusCode!, upRes.headers);
        let sent = 0;
        upRes.on('data', (chunk: Buffer) => {
          if (sent + chunk.length > cut) {
            res.write(chunk.subarray(0, cut - sent));
            upRes.destroy();
            res.socket?.destroy();
            return;
          }
          sent += chunk.length;
          res.write(chunk);
        });
        upRes.on('end', () => res.end());
      });
      upReq.on('error', () => res.socket?.destroy());
      upReq.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return state;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
