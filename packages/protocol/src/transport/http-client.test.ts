// The HTTP transport against small real servers that misbehave on purpose: retried failures,
// a stall mid-body, oversized bodies, not-found statuses, kept-alive connections.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isProtocolError } from '../errors.js';
import { HttpClient } from './http-client.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

const servers: Server[] = [];
const clients: HttpClient[] = [];
const spool = mkdtempSync(join(tmpdir(), 'osgit-http-client-'));
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
afterAll(() => rmSync(spool, { recursive: true, force: true }));

/** A server on 127.0.0.1 whose handler sees the request number (1, 2, …); counts connections too. */
async function serve(handler: Handler): Promise<{ url: string; requests: () => number; connections: () => number; agents: string[] }> {
  let requests = 0;
  let connections = 0;
  const agents: string[] = [];
  const server = createServer((req, res) => {
    agents.push(String(req.headers['user-agent']));
    handler(req, res, ++requests);
  });
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => requests, connections: () => connections, agents };
}

function client(opts: ConstructorParameters<typeof HttpClient>[0] = {}): HttpClient {
  const c = new HttpClient({ retryDelayMs: 10, ...opts });
  clients.push(c);
  return c;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isProtocolError(err)) return err.code;
    throw err;
  }
  return 'no error';
}

const bytesOf = (r: Awaited<ReturnType<HttpClient['get']>>) => (r.found && 'bytes' in r.body ? r.body.bytes.toString() : null);

describe('HttpClient', () => {
  it('GETs a body, saying who it is (osgit/<version>)', async () => {
    const s = await serve((_req, res) => res.end('hello'));
    const r = await client().get(`${s.url}/a`, { maxBytes: 100 });
    expect(bytesOf(r)).toBe('hello');
    expect(s.agents).toEqual(['osgit/0.1.0']);
  });

  it('reports 403, 404 and 410 as not found, without retrying', async () => {
    for (const status of [403, 404, 410]) {
      const s = await serve((_req, res) => {
        res.statusCode = status;
        res.end('no');
      });
      expect(await client().get(`${s.url}/x`, { maxBytes: 100 })).toEqual({ found: false, status });
      expect(s.requests()).toBe(1);
    }
  });

  it('retries 500s and 408 until the server answers', async () => {
    const s = await serve((_req, res, n) => {
      res.statusCode = n === 1 ? 500 : n === 2 ? 408 : n === 3 ? 503 : 200;
      res.end(n >= 4 ? 'finally' : 'busy');
    });
    const c = client();
    expect(bytesOf(await c.get(`${s.url}/x`, { maxBytes: 100 }))).toBe('finally');
    expect(s.requests()).toBe(4);
    expect(c.stats.retries).toBe(3);
  });

  it('gives up after the retry limit with HTTP_STATUS', async () => {
    const s = await serve((_req, res) => {
      res.statusCode = 502;
      res.end();
    });
    expect(await codeOf(client({ retries: 2 }).get(`${s.url}/x`, { maxBytes: 100 }))).toBe('HTTP_STATUS');
    expect(s.requests()).toBe(3);
  });

  it('does not retry a status that will not change (400)', async () => {
    const s = await serve((_req, res) => {
      res.statusCode = 400;
      res.end();
    });
    expect(await codeOf(client().get(`${s.url}/x`, { maxBytes: 100 }))).toBe('HTTP_STATUS');
    expect(s.requests()).toBe(1);
  });

  it('retries a connection reset mid-body', async () => {
    const s = await serve((req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'content-length': '10' });
        res.write('hal');
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      res.end('0123456789');
    });
    expect(bytesOf(await client().get(`${s.url}/x`, { maxBytes: 100 }))).toBe('0123456789');
    expect(s.requests()).toBe(2);
  });

  it('abandons a transfer that stalls mid-body and tries again; STALLED when every try stalls', async () => {
    const s = await serve((_req, res, n) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('01234');
      if (n === 2) res.end('56789'); // the second try completes
      // otherwise: never another byte
    });
    expect(bytesOf(await client({ stallTimeoutMs: 300 }).get(`${s.url}/x`, { maxBytes: 100 }))).toBe('0123456789');
    const stuck = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('01234');
    });
    expect(await codeOf(client({ stallTimeoutMs: 300, retries: 1 }).get(`${stuck.url}/x`, { maxBytes: 100 }))).toBe('STALLED');
    expect(stuck.requests()).toBe(2);
  });

  it('refuses a body over the limit, announced or not', async () => {
    const announced = await serve((_req, res) => res.end('x'.repeat(200)));
    expect(await codeOf(client().get(`${announced.url}/x`, { maxBytes: 100 }))).toBe('BAD_RESPONSE');
    const chunked = await serve((_req, res) => {
      res.write('x'.repeat(80));
      res.end('x'.repeat(80));
    });
    expect(await codeOf(client().get(`${chunked.url}/x`, { maxBytes: 100 }))).toBe('BAD_RESPONSE');
    expect(announced.requests() + chunked.requests()).toBe(2);
  });

  it('fails with NETWORK when nothing listens, after its retries', async () => {
    const s = await serve((_req, res) => res.end());
    const url = s.url;
    await new Promise((r) => servers.pop()!.close(r));
    expect(await codeOf(client({ retries: 2 }).get(`${url}/x`, { maxBytes: 100 }))).toBe('NETWORK');
  });

  it('keeps connections alive: many requests, few connections', async () => {
    const s = await serve((req, res) => res.end(req.url));
    const c = client({ connections: 4 });
    const urls = Array.from({ length: 40 }, (_, i) => `${s.url}/o/${i}`);
    const bodies = await Promise.all(urls.map(async (u) => bytesOf(await c.get(u, { maxBytes: 100 }))));
    expect(bodies).toEqual(urls.map((u) => new URL(u).pathname));
    expect(s.connections()).toBeLessThanOrEqual(4);
  });

  it('writes a large body to a file in the spool folder', async () => {
    const big = 'z'.repeat(50_000);
    const s = await serve((_req, res) => {
      res.write(big.slice(0, 20_000));
      res.end(big.slice(20_000));
    });
    const r = await client().get(`${s.url}/x`, { maxBytes: 100_000, spoolDir: spool, spoolOver: 10_000 });
    expect(r.found && 'path' in r.body).toBe(true);
    if (r.found && 'path' in r.body) {
      expect(r.body.size).toBe(50_000);
      expect(readFileSync(r.body.path, 'utf8')).toBe(big);
      rmSync(r.body.path);
    }
    expect(readdirSync(spool)).toEqual([]);
  });
});
