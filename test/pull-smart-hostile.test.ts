// A smart server that misbehaves on purpose (a real node:http server in front of `osgit serve`,
// rewriting its answers): a corrupted object, an object other than the one asked for, a
// dirtree naming '..', a plan with a hole, a truncated pack, a stall. The client refuses each
// with its code, writes no bad object and moves no ref; ostree fsck agrees the repo is sound.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Packr, Unpackr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repo, encodeCommit, encodeDirMeta, encodeDirTree, sha256Hex } from '@osgit/store';
import { isProtocolError, pack, smartPull, type ProtocolErrorCode } from '@osgit/protocol';
import { OSTREE, ostree, ostreeCommit, ostreeInit } from './helpers/ostree.js';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('pull-hostile');
const msgpack = new Packr({ useRecords: false, variableMapSize: true });
const unmsgpack = new Unpackr({ useRecords: false });

type Rewrite = (records: pack.PackRecord[]) => pack.PackRecord[];

interface Hostile {
  url: string;
  /** How the next pack responses are rewritten (records in, records out). */
  rewritePack: Rewrite | null;
  /** How plan responses are rewritten (the decoded msgpack value). */
  rewritePlan: ((plan: { objects: [number, Uint8Array, number][]; totals: { objects: number; bytes: number } }) => void) | null;
  /** Send this many bytes of the pack, then nothing more while keeping the connection open. */
  stallAfter: number | null;
  /** Send this many bytes of the pack, then end the response cleanly (a pack cut inside a record). */
  endAfter: number | null;
  /** Answer these paths (below /osgit/v1/) itself instead of asking upstream. */
  own: Map<string, (res: ServerResponse) => void>;
  close(): Promise<void>;
}

describe.skipIf(!OSTREE)('smart pull from a hostile server', () => {
  let src: string;
  let commit: string;
  let served: Served;
  let hostile: Hostile;

  beforeAll(async () => {
    src = join(tmp.make('src'), 'repo');
    await ostreeInit(src, 'archive');
    const tree = tmp.make('tree');
    mkdirSync(join(tree, 'etc'));
    for (let i = 0; i < 20; i++) writeFileSync(join(tree, 'etc', `file-${i}`), `content of file ${i}\n`.repeat(i + 1));
    writeFileSync(join(tree, 'README'), 'hello\n');
    writeFileSync(join(tree, 'etc', 'random.bin'), randomBytes(100_000)); // does not compress
    commit = await ostreeCommit(src, ['-b', 'os/main', '--timestamp=@1577836800', tree]);
    served = await startServe({ repo: src });
    hostile = await startHostile(served.url);
  });

  afterAll(async () => {
    await hostile?.close();
    await served?.stop();
    await tmp.cleanup();
  });

  /** Pulls through the hostile server into a fresh repo; expects the refusal `code`, no ref, a sound repo. */
  async function refused(code: ProtocolErrorCode, opts: { stallTimeoutMs?: number } = {}): Promise<{ repo: string; err: unknown }> {
    const repo = join(tmp.make('client'), 'repo');
    await ostreeInit(repo, 'archive');
    const err = await smartPull({ repo: await Repo.open(repo), remote: { name: 'origin', url: hostile.url } }, { refs: ['os/main'], retries: 0, ...opts }).then(
      () => new Error('the pull succeeded'),
      (e: unknown) => e,
    );
    expect(isProtocolError(err, code), String(err)).toBe(true);
    expect(existsSync(join(repo, 'refs', 'remotes', 'origin', 'os', 'main'))).toBe(false);
    const fsck = await ostree(['fsck', `--repo=${repo}`]);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
    return { repo, err };
  }

  function reset(): void {
    hostile.rewritePack = null;
    hostile.rewritePlan = null;
    hostile.stallAfter = null;
    hostile.endAfter = null;
    hostile.own.clear();
  }

  it('pulls through the rewriting server when it rewrites nothing (the control case)', async () => {
    reset();
    const repo = join(tmp.make('control'), 'repo');
    await ostreeInit(repo, 'archive');
    const r = await smartPull({ repo: await Repo.open(repo), remote: { name: 'origin', url: hostile.url } }, { refs: ['os/main'] });
    expect(r.refs[0]!.new).toBe(commit);
  });

  it('refuses a corrupted object (BAD_OBJECT) and does not store it', async () => {
    reset();
    let victim = '';
    hostile.rewritePack = (records) => records.map((r) => {
      if (r.k !== 'o' || r.t !== 1 || victim) return r;
      victim = Buffer.from(r.c).toString('hex');
      const d = Buffer.from(r.d);
      d[d.length - 1] = d[d.length - 1]! ^ 0xff; // inside the deflated body
      return { ...r, d };
    });
    const { repo } = await refused('BAD_OBJECT');
    expect(existsSync(join(repo, 'objects', victim.slice(0, 2), `${victim.slice(2)}.filez`))).toBe(false);
  });

  it('refuses an object other than the one asked for (BAD_OBJECT)', async () => {
    reset();
    hostile.rewritePack = (records) => {
      // Swap the first two file objects: each is genuine, but not where it was asked for.
      const files = records.map((r, i) => (r.k === 'o' && r.t === 1 ? i : -1)).filter((i) => i >= 0);
      const out = [...records];
      [out[files[0]!], out[files[1]!]] = [out[files[1]!]!, out[files[0]!]!];
      return out;
    };
    await refused('BAD_OBJECT');
  });

  it('refuses a pack with more objects than asked for (BAD_RESPONSE)', async () => {
    reset();
    hostile.rewritePack = (records) => {
      const extra = records.find((r) => r.k === 'o')!;
      return records.flatMap((r): pack.PackRecord[] => {
        if (r.k === 'h') return [{ ...r, objects: r.objects + 1 }];
        if (r.k === 'end') return [extra, { ...r, objects: r.objects + 1 }];
        return [r];
      });
    };
    await refused('BAD_RESPONSE');
  });

  it('refuses a truncated pack (BAD_RESPONSE) and keeps only verified objects', async () => {
    reset();
    hostile.rewritePack = (records) => records.slice(0, Math.floor(records.length / 2));
    const { err } = await refused('BAD_RESPONSE');
    expect((err as Error).message).toMatch(/truncated/);
  });

  it('refuses a pack that ends inside an object record (BAD_RESPONSE, truncated)', async () => {
    reset();
    hostile.rewritePack = (records) => {
      // Cut 1000 bytes into the largest object's record (random.bin, 100 kB).
      let at = 0;
      let cut = 0;
      let largest = 0;
      for (const r of records) {
        const size = Buffer.concat(r.k === 'o' ? pack.encodeObjectRecords(pack.objectTypeOf(r.t)!, r.c, r.d) : [pack.encodeRecord(r)]).length;
        if (r.k === 'o' && r.d.length > largest) [largest, cut] = [r.d.length, at + 1000];
        at += size;
      }
      hostile.endAfter = cut;
      return records;
    };
    const { err } = await refused('BAD_RESPONSE');
    expect((err as Error).message).toMatch(/truncated/);
  });

  it('abandons a pack that stalls (STALLED)', async () => {
    reset();
    hostile.stallAfter = 200;
    await refused('STALLED', { stallTimeoutMs: 1000 });
  });

  it('stops at once when the caller aborts, with the abort reason, moving no ref', async () => {
    reset();
    hostile.stallAfter = 1500;
    const repo = join(tmp.make('aborted'), 'repo');
    await ostreeInit(repo, 'archive');
    const abort = new AbortController();
    const reason = new Error('stopped by the user');
    const pulling = smartPull(
      { repo: await Repo.open(repo), remote: { name: 'origin', url: hostile.url }, signal: abort.signal, onProgress: (p) => p.phase === 'objects' && abort.abort(reason) },
      { refs: ['os/main'] },
    );
    await expect(pulling).rejects.toBe(reason);
    expect(existsSync(join(repo, 'refs', 'remotes', 'origin', 'os', 'main'))).toBe(false);
    const fsck = await ostree(['fsck', `--repo=${repo}`]);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
  });

  it('refuses a plan that leaves out an object the tree needs (BAD_RESPONSE), moving no ref', async () => {
    reset();
    hostile.rewritePlan = (plan) => {
      const i = plan.objects.findIndex(([t]) => t === 1);
      const [removed] = plan.objects.splice(i, 1);
      plan.totals = { objects: plan.objects.length, bytes: plan.totals.bytes - removed![2] };
    };
    await refused('BAD_RESPONSE');
  });

  it('refuses an object larger than the plan announced (BAD_RESPONSE): a server cannot fill the disk', async () => {
    reset();
    hostile.rewritePlan = (plan) => {
      const entry = plan.objects.filter(([t]) => t === 1).sort((a, b) => b[2] - a[2])[0]!;
      plan.totals.bytes -= entry[2] - 1;
      entry[2] = 1;
    };
    const { err } = await refused('BAD_RESPONSE');
    expect((err as Error).message).toMatch(/more than its plan announced/);
  });

  it("refuses a dirtree naming '..' (BAD_OBJECT) and does not store it", async () => {
    reset();
    const meta = Buffer.from(encodeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] }));
    const metaSum = sha256Hex(meta);
    const empty = Buffer.from(encodeDirTree({ files: [], dirs: [] }));
    const emptySum = sha256Hex(empty);
    const evil = Buffer.from(encodeDirTree({ files: [], dirs: [{ name: '..', tree: emptySum, meta: metaSum }] }));
    const evilSum = sha256Hex(evil);
    const c = Buffer.from(encodeCommit({ metadata: [], parent: null, subject: 'evil', body: '', timestamp: 1577836800n, rootTree: evilSum, rootMeta: metaSum }));
    const cSum = sha256Hex(c);
    const objects: Array<[number, string, Buffer]> = [[4, cSum, c], [3, metaSum, meta], [2, evilSum, evil], [2, emptySum, empty]];
    hostile.own.set('refs', (res) => res.end(JSON.stringify({ refs: { 'os/main': cSum } })));
    hostile.own.set('fetch/plan', (res) => res.end(msgpack.pack({
      objects: objects.map(([t, s, b]) => [t, Buffer.from(s, 'hex'), b.length]),
      totals: { objects: objects.length, bytes: objects.reduce((n, [, , b]) => n + b.length, 0) },
    })));
    hostile.own.set('fetch/pack', (res) => res.end(Buffer.concat([
      pack.encodePackHeader({ objects: objects.length, bytes: 0 }),
      ...objects.map(([t, s, b]) => pack.encodeRecord({ k: 'o', t: t as pack.TypeCode, c: Buffer.from(s, 'hex'), d: b })),
      pack.encodePackEnd(objects.length),
    ])));
    const { repo, err } = await refused('BAD_OBJECT');
    expect((err as { data: { reason?: string } }).data.reason).toBe('UNSAFE_TREE');
    expect(existsSync(join(repo, 'objects', evilSum.slice(0, 2), `${evilSum.slice(2)}.dirtree`))).toBe(false);
    // The commit itself is a well-formed object: kept, and marked partial as ostree marks it.
    expect(readdirSync(join(repo, 'state'))).toEqual([`${cSum}.commitpartial`]);
  });
});

/** The rewriting server: forwards to `upstream`, rewriting plan and pack answers as told. */
async function startHostile(upstream: string): Promise<Hostile> {
  const up = new URL(upstream);
  const sockets = new Set<import('node:net').Socket>();
  const state: Hostile = { url: '', rewritePack: null, rewritePlan: null, stallAfter: null, endAfter: null, own: new Map(), close: async () => {} };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const endpoint = req.url!.replace(/^\/osgit\/v1\//, '');
      const own = state.own.get(endpoint);
      if (own) {
        res.writeHead(200);
        own(res);
        return;
      }
      const answer = await forward(up, req, body);
      let out = answer.body;
      if (endpoint === 'fetch/plan' && state.rewritePlan) {
        const plan = unmsgpack.unpack(out) as Parameters<NonNullable<Hostile['rewritePlan']>>[0];
        state.rewritePlan(plan);
        out = msgpack.pack(plan);
      }
      if (endpoint === 'fetch/pack' && answer.status === 200 && state.rewritePack) {
        out = Buffer.concat(state.rewritePack(decodePack(out)).map((r) => pack.encodeRecord(r)));
      }
      res.writeHead(answer.status, { 'content-type': answer.contentType });
      if (endpoint === 'fetch/pack' && state.stallAfter !== null) {
        res.write(out.subarray(0, state.stallAfter)); // then silence, the connection left open
        return;
      }
      if (endpoint === 'fetch/pack' && state.endAfter !== null) out = out.subarray(0, state.endAfter);
      res.end(out);
    })();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return state;
}

function decodePack(bytes: Buffer): pack.PackRecord[] {
  const d = new pack.PackDecoder();
  d.push(bytes);
  const out: pack.PackRecord[] = [];
  for (let r = d.next(); r !== null; r = d.next()) out.push(r);
  return out;
}

function forward(up: URL, req: IncomingMessage, body: Buffer): Promise<{ status: number; contentType: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { 'content-type': req.headers['content-type'] ?? '' } }, (res) => {
      void readAll(res).then((b) => resolve({ status: res.statusCode!, contentType: String(res.headers['content-type'] ?? ''), body: b }), reject);
    });
    r.on('error', reject);
    r.end(body);
  });
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
