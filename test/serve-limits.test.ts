// `osgit serve` under pressure and hostile input: its limits (concurrent requests, body size),
// malformed requests, unknown smart endpoints, a bare repository on the dumb side. Every
// refusal is a 4xx/503 with a JSON error body, and the server keeps serving.
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixtureTree } from './helpers/fixture.js';
import { errorCodeOf, rawRequest } from './helpers/http-request.js';
import { osgitCommit, osgitInit } from './helpers/osgit.js';
import { OSTREE, ostree, ostreeInit, ostreeOk } from './helpers/ostree.js';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { osgitOk } from './helpers/tools.js';

const tmp = tempDirs('serve-limits');
let repo: string;
let tree: string;
const BIG = `objects/ee/${'e'.repeat(62)}.filez`;

beforeAll(async () => {
  repo = join(tmp.make('repo'), 'repo');
  tree = makeFixtureTree(join(tmp.make('tree'), 't'), { bigFiles: false }).root;
  await osgitInit(repo, 'archive');
  await osgitCommit(repo, ['-b', 'test/main', '--timestamp=@1577836800', `--tree=dir=${tree}`]);
  // A file too large for the socket buffers, under an object's name: a download of it stays in
  // flight for as long as the client holds back.
  mkdirSync(join(repo, 'objects', 'ee'), { recursive: true });
  await writeFile(join(repo, BIG), Buffer.alloc(64 * 1024 * 1024, 1));
});

afterAll(() => tmp.cleanup());

/** Starts a GET of `path` and resolves with the response once its headers are in, paused. */
function heldDownload(url: string, path: string): Promise<IncomingMessage> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, agent: false }, (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('osgit serve limits', () => {
  it('answers one request over --max-connections with 503, Retry-After and a JSON error, then serves again', async () => {
    const served = await startServe({ repo }, ['--max-connections', '1']);
    try {
      const held = await heldDownload(served.url, `/${BIG}`);
      const busy = await rawRequest(served.url, '/config');
      expect(busy.status).toBe(503);
      expect(busy.headers['retry-after']).toBe('1');
      expect(errorCodeOf(busy)).toBe('BUSY');
      held.destroy();
      // Once the held request is gone, the server answers again.
      await served.waitForLog((l) => l.path === `/${BIG}`);
      expect((await rawRequest(served.url, '/config')).status).toBe(200);
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  });

  it('refuses a body over --max-body with 413 before reading it', async () => {
    const served = await startServe({ repo }, ['--max-body', '1K']);
    try {
      const res = await rawRequest(served.url, '/osgit/v1/push', { method: 'POST', body: Buffer.alloc(4096) });
      expect(res.status).toBe(413);
      expect(errorCodeOf(res)).toBe('TOO_LARGE');
      const small = await rawRequest(served.url, '/config', { method: 'POST', body: Buffer.alloc(10) });
      expect(small.status).toBe(405);
    } finally {
      await served.stop();
    }
  });
});

describe('osgit serve stopping with --shutdown-grace', () => {
  it('cuts a download still held back when the grace is over, and still exits 0', async () => {
    const served = await startServe({ repo }, ['--shutdown-grace', '0']);
    const held = await heldDownload(served.url, `/${BIG}`);
    const ended = new Promise<string>((resolve) => {
      held.on('aborted', () => resolve('aborted'));
      held.on('error', () => resolve('error'));
      held.on('end', () => resolve('end'));
    });
    const r = await served.stop();
    expect(r.code).toBe(0);
    held.resume();
    let received = 0;
    held.on('data', (c: Buffer) => (received += c.length));
    expect(await ended).not.toBe('end');
    expect(received).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('osgit serve and hostile or odd requests', () => {
  let served: Served;
  beforeAll(async () => {
    served = await startServe({ repo });
  });
  afterAll(() => served?.stop());

  it('answers malformed URLs with 400 and keeps serving', async () => {
    for (const path of ['/%', '/%zz', '/refs/heads/%E0%A4%A', '/config%00', '/osgit/v1/%ff%fe']) {
      const res = await rawRequest(served.url, path);
      expect(res.status, path).toBe(400);
      expect(errorCodeOf(res), path).toBe('BAD_REQUEST');
    }
    expect((await rawRequest(served.url, '/config')).status).toBe(200);
  });

  it('answers an unknown smart endpoint with a JSON 404 and the capabilities with JSON', async () => {
    const res = await rawRequest(served.url, '/osgit/v1/nope', { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
    expect(errorCodeOf(res)).toBe('NOT_FOUND');
    const caps = await rawRequest(served.url, '/osgit/v1/capabilities');
    expect(caps.status).toBe(200);
    expect(JSON.parse(caps.body.toString())).toMatchObject({ protocol: 'osgit', version: 1, mode: 'archive', limits: { maxConcurrentRequests: 256 } });
  });

  it('never puts a stack trace or a server path in an error body', async () => {
    for (const path of ['/%', '/tmp/x', `/objects/00/${'0'.repeat(62)}.commit`, '/osgit/v1/nope']) {
      const body = (await rawRequest(served.url, path)).body.toString();
      expect(body, path).not.toMatch(/\bat .*\(|\.ts:|\.js:/);
      expect(body, path).not.toContain(repo);
    }
  });
});

describe.skipIf(OSTREE === null)('a bare-user repository on the dumb side', () => {
  it('has no .filez to serve: 404 with the reason in the log, and ostree refuses the pull by mode', async () => {
    const bare = join(tmp.make('bare'), 'repo');
    await osgitInit(bare, 'bare-user');
    const commit = await osgitCommit(bare, ['-b', 'test/main', '--timestamp=@1577836800', `--tree=dir=${tree}`]);
    await osgitOk(['summary', '--repo', bare, '-u']);
    const served = await startServe({ repo: bare });
    try {
      expect((await rawRequest(served.url, `/objects/${commit.slice(0, 2)}/${commit.slice(2)}.commit`)).status).toBe(200);
      const filez = `/objects/${'1'.repeat(2)}/${'1'.repeat(62)}.filez`;
      expect((await rawRequest(served.url, filez)).status).toBe(404);
      const line = await served.waitForLog((l) => l.path === filez);
      expect(line.note).toMatch(/bare-user.*smart/);
      const client = join(tmp.make('client'), 'repo');
      await ostreeInit(client, 'archive');
      await ostreeOk(['remote', 'add', `--repo=${client}`, '--no-gpg-verify', 'origin', served.url]);
      const pull = await ostree(['pull', `--repo=${client}`, 'origin', 'test/main']);
      expect(pull.code).not.toBe(0);
      expect(pull.stderr).toContain('mode "bare-user"');
    } finally {
      await served.stop();
    }
  });
});
