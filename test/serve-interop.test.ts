// `osgit serve` against the oracles: the real `ostree pull` (archive and bare-user clients) from
// repositories written by osgit and by ostree, one repository or several below --root; nginx on
// the same folder answering the same requests the same way; and a graceful stop that lets a
// download in flight finish.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixtureTree } from './helpers/fixture.js';
import { rawRequest } from './helpers/http-request.js';
import { haveNginx, startNginx, type Nginx } from './helpers/nginx.js';
import { osgitCommit, osgitInit } from './helpers/osgit.js';
import { OSTREE, ostreeCommit, ostreeInit, ostreeOk, ostreeRevParse } from './helpers/ostree.js';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { osgitOk } from './helpers/tools.js';

const tmp = tempDirs('serve-interop');
const hasOstree = OSTREE !== null;
const hasNginx = haveNginx();

/** Repositories to serve: one written by osgit, one by ostree, both archive, with a summary. */
let root: string;
const made: Record<'osgit' | 'ostree', { path: string; commit: string }> = {} as never;

beforeAll(async () => {
  if (!hasOstree) return;
  root = tmp.make('root');
  const tree = makeFixtureTree(join(tmp.make('tree'), 't'), { bigFiles: true }).root;
  const byOsgit = join(root, 'by-osgit');
  await osgitInit(byOsgit, 'archive');
  const c1 = await osgitCommit(byOsgit, ['-b', 'test/main', '--timestamp=@1577836800', `--tree=dir=${tree}`]);
  await osgitOk(['summary', '--repo', byOsgit, '-u']);
  const byOstree = join(root, 'by-ostree');
  await ostreeInit(byOstree, 'archive');
  const c2 = await ostreeCommit(byOstree, ['-b', 'test/main', '--timestamp=2020-01-01T00:00:00Z', `--tree=dir=${tree}`]);
  await ostreeOk(['summary', `--repo=${byOstree}`, '-u']);
  made.osgit = { path: byOsgit, commit: c1 };
  made.ostree = { path: byOstree, commit: c2 };
});

afterAll(() => tmp.cleanup());

/** `ostree pull` of test/main from `url` into a fresh `mode` repository; fsck must pass. */
async function ostreePullFrom(url: string, mode: 'archive' | 'bare-user'): Promise<string> {
  const client = join(tmp.make(`client-${mode}`), 'repo');
  await ostreeInit(client, mode);
  await ostreeOk(['remote', 'add', `--repo=${client}`, '--no-gpg-verify', 'origin', url]);
  await ostreeOk(['pull', `--repo=${client}`, 'origin', 'test/main']);
  await ostreeOk(['fsck', `--repo=${client}`]);
  return ostreeRevParse(client, 'origin:test/main');
}

describe.skipIf(!hasOstree)('ostree pull from osgit serve', () => {
  for (const writer of ['osgit', 'ostree'] as const) {
    for (const mode of ['archive', 'bare-user'] as const) {
      it(`pulls a repository written by ${writer} into a ${mode} repository; fsck passes`, async () => {
        const served = await startServe({ repo: made[writer].path });
        try {
          expect(await ostreePullFrom(served.url, mode)).toBe(made[writer].commit);
        } finally {
          expect((await served.stop()).code).toBe(0);
        }
        // Every request ostree made was answered 200, but for the optional files it probes for
        // (read once the server exited, so every log line is in).
        const optional = /^\/(summary\.sig|delta-indexes\/.*|deltas\/.*|objects\/.*\.commitmeta)$/;
        const lines = served.logs();
        expect(lines.some((l) => l.path === '/summary' && l.status === 200)).toBe(true);
        expect(lines.filter((l) => l.status !== 200 && !(l.status === 404 && optional.test(String(l.path))))).toEqual([]);
      });
    }
  }

  it('serves static deltas and their index: a bare-user ostree client pulls through a delta', async () => {
    const repo = join(tmp.make('deltas'), 'repo');
    const tree = makeFixtureTree(join(tmp.make('delta-tree'), 't'), { bigFiles: true }).root;
    await ostreeInit(repo, 'archive');
    const commit = await ostreeCommit(repo, ['-b', 'test/main', '--timestamp=2020-01-01T00:00:00Z', `--tree=dir=${tree}`]);
    await ostreeOk(['static-delta', 'generate', `--repo=${repo}`, '--empty', 'test/main']);
    await ostreeOk(['summary', `--repo=${repo}`, '-u']);
    const served = await startServe({ repo });
    try {
      expect(await ostreePullFrom(served.url, 'bare-user')).toBe(commit);
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
    const ok = served.logs().filter((l) => l.status === 200).map((l) => String(l.path));
    expect(ok.some((p) => /^\/delta-indexes\/[\w+]{2}\/[\w+]{41}\.index$/.test(p))).toBe(true);
    expect(ok.some((p) => /^\/deltas\/[\w+]{2}\/[\w+]{41}\/superblock$/.test(p))).toBe(true);
    expect(ok.some((p) => /^\/deltas\/[\w+]{2}\/[\w+]{41}\/0$/.test(p))).toBe(true);
  });

  it('serves every repository below --root at /NAME/', async () => {
    const served = await startServe({ root });
    try {
      expect(await ostreePullFrom(`${served.url}by-osgit/`, 'bare-user')).toBe(made.osgit.commit);
      expect(await ostreePullFrom(`${served.url}by-ostree/`, 'archive')).toBe(made.ostree.commit);
      const caps = JSON.parse((await rawRequest(served.url, '/by-ostree/osgit/v1/capabilities')).body.toString());
      expect(caps).toMatchObject({ protocol: 'osgit', version: 1, mode: 'archive' });
      // A repository deeper down is served at its path; one reached by a symbolic link out of
      // the root is not.
      const outside = join(tmp.make('outside'), 'repo');
      await osgitInit(outside, 'archive');
      mkdirSync(join(root, 'team'), { recursive: true });
      await osgitInit(join(root, 'team', 'os'), 'archive');
      symlinkSync(outside, join(root, 'linked'));
      expect((await rawRequest(served.url, '/team/os/config')).body.toString()).toContain('mode=archive-z2');
      for (const path of ['/', '/config', '/by-osgit', '/nope/config', '/../by-osgit/config', '/.hidden/config', '/by-osgit/../by-ostree/config', '/linked/config', '/team/config', '/team/os/../../by-osgit/config']) {
        expect((await rawRequest(served.url, path)).status, path).toBe(404);
      }
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  });
});

describe.skipIf(!hasOstree || !hasNginx)('osgit serve and nginx on the same folder', () => {
  let nginx: Nginx;
  let served: Served;
  let repo: string;

  beforeAll(async () => {
    repo = made.osgit.path;
    nginx = await startNginx(repo);
    served = await startServe({ repo });
  });
  afterAll(async () => {
    await nginx?.stop();
    await served?.stop();
  });

  it('answer every file both serve with the same status, length and bytes', async () => {
    const objects = readdirSync(join(repo, 'objects')).flatMap((d) => readdirSync(join(repo, 'objects', d)).map((n) => `/objects/${d}/${n}`));
    const missing = [`/objects/00/${'0'.repeat(62)}.commit`, `/objects/00/${'0'.repeat(62)}.filez`, '/refs/heads/nope', '/summary.sig'];
    for (const path of ['/config', '/summary', '/refs/heads/test/main', ...objects, ...missing]) {
      const a = await rawRequest(nginx.url, path);
      const b = await rawRequest(served.url, path);
      expect(b.status, path).toBe(a.status);
      if (a.status === 200) {
        expect(b.body.equals(a.body), path).toBe(true);
        expect(b.headers['content-length'], path).toBe(a.headers['content-length']);
        expect(b.headers['content-type'], path).toBe(a.headers['content-type']);
        expect(b.headers['last-modified'], path).toBe(a.headers['last-modified']);
      }
    }
  });

  it('answer ranges, HEAD and conditional requests alike', async () => {
    const big = readdirSync(join(repo, 'objects'))
      .flatMap((d) => readdirSync(join(repo, 'objects', d)).map((n) => `/objects/${d}/${n}`))
      .filter((p) => p.endsWith('.filez'))
      .sort((x, y) => readFileSync(join(repo, y)).length - readFileSync(join(repo, x)).length)[0]!;
    const size = readFileSync(join(repo, big)).length;
    for (const range of ['bytes=0-99', 'bytes=100-', 'bytes=-50', `bytes=${size - 1}-${size + 100}`, `bytes=${size}-`]) {
      const a = await rawRequest(nginx.url, big, { headers: { range } });
      const b = await rawRequest(served.url, big, { headers: { range } });
      expect(b.status, range).toBe(a.status);
      expect(b.headers['content-range'], range).toBe(a.headers['content-range']);
      if (a.status === 206) expect(b.body.equals(a.body), range).toBe(true);
    }
    const headA = await rawRequest(nginx.url, big, { method: 'HEAD' });
    const headB = await rawRequest(served.url, big, { method: 'HEAD' });
    expect([headB.status, headB.headers['content-length'], headB.body.length]).toEqual([headA.status, headA.headers['content-length'], 0]);
    for (const server of [nginx.url, served.url]) {
      const first = await rawRequest(server, '/summary');
      const again = await rawRequest(server, '/summary', { headers: { 'if-modified-since': first.headers['last-modified'] as string } });
      expect(again.status, server).toBe(304);
    }
  });
});

describe.skipIf(!hasOstree)('osgit serve stopping', () => {
  it('on SIGTERM stops accepting, lets a slow download in flight finish, then exits 0', async () => {
    const repo = made.osgit.path;
    // A large file under an object's name (the dumb side serves files as they are): 64 MiB
    // cannot fit in the socket buffers, so the response is still being written while the
    // client holds back.
    const name = `objects/ee/${'e'.repeat(62)}.filez`;
    mkdirSync(join(repo, 'objects', 'ee'), { recursive: true });
    const content = Buffer.alloc(64 * 1024 * 1024, 7);
    await writeFile(join(repo, name), content);
    const served = await startServe({ repo });
    const u = new URL(served.url);
    const hash = createHash('sha256');
    let received = 0;
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: `/${name}`, agent: false }, resolve);
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    res.pause();
    const r = served.stop('SIGTERM');
    // Wait until the server no longer accepts connections: the signal has been handled while
    // our download is still held back.
    for (;;) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect(Number(u.port), u.hostname);
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', () => resolve(true));
      });
      if (refused) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
      });
      res.on('end', resolve);
      res.on('error', reject);
      res.resume();
    });
    expect(received).toBe(content.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    const result = await r;
    expect(result.code).toBe(0);
    expect(served.logs().find((l) => l.path === `/${name}`)).toMatchObject({ status: 200, bytes: content.length });
  });
});
