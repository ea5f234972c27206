/**
 * A small node:http server serving a repository folder as static files (like nginx), which a
 * test can make misbehave on purpose: replace a path's bytes, answer with a status, cut or stall a
 * body, or take over the response entirely. It records every request (path, status) so tests can
 * count what a client fetched.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';

export interface LoggedRequest {
  path: string;
  status: number;
}

/**
 * How to answer one request; `n` is how many times this path was asked, this one included.
 * Return true when the handler answered itself, false to serve the file normally.
 */
export type Misbehave = (ctx: { path: string; n: number; req: IncomingMessage; res: ServerResponse; file: () => Promise<Buffer | null> }) => boolean | Promise<boolean>;

export interface RepoHttpServer {
  /** base URL ending in '/' */
  url: string;
  requests: LoggedRequest[];
  /** requests for objects/ that got a complete 200 */
  objectsServed(): string[];
  /** stop answering: closes the listener and every open connection */
  stop(): Promise<void>;
}

export async function startRepoHttpServer(root: string, misbehave?: Misbehave): Promise<RepoHttpServer> {
  const counts = new Map<string, number>();
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  const file = async (path: string): Promise<Buffer | null> => {
    const rel = normalize(path).replace(/^\/+/, '');
    if (rel.startsWith('..')) return null;
    try {
      return await readFile(join(root, rel));
    } catch {
      return null;
    }
  };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const entry = { path, status: 0 };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    void (async () => {
      if (misbehave && (await misbehave({ path, n, req, res, file: () => file(path) }))) return;
      const body = await file(path);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': body.length }).end(body);
    })().catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    objectsServed: () => requests.filter((r) => r.path.startsWith('/objects/') && r.status === 200).map((r) => r.path),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
