import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Repo } from '@osgit/store';
import { createApp, type AppOptions } from './app.js';
import { guardIdleSockets } from './idle-guard.js';
import type { ServerLog } from './log.js';
import { ensureSummary } from './summary-publish.js';

export interface ServeOptions extends AppOptions {
  /** Interface to listen on (default 127.0.0.1: nothing is exposed unless asked). */
  host?: string;
  /** TCP port; 0 picks a free one (the URL says which). */
  port?: number;
}

export interface RunningServer {
  /** Base URL, with a trailing slash: `http://127.0.0.1:PORT/`. */
  url: string;
  server: Server;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to the shutdown grace, then
   * cuts what is left), closes idle kept-alive connections, and resolves when all are closed.
   * Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts `osgit serve`'s HTTP server and resolves once it listens. Keep-alive is on; a client has
 * `headersTimeoutMs` to send its headers, a client that stalls for `idleTimeoutMs` is cut off
 * (see guardIdleSockets), and nothing cuts a long response that keeps moving or a request the
 * server itself takes long over (no overall request timeout).
 */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const osgit = await createApp(opts);
  const { limits } = osgit;
  const server = createServer({ keepAlive: true, headersTimeout: limits.headersTimeoutMs, requestTimeout: 0 }, osgit.app);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  guardIdleSockets(server, limits.idleTimeoutMs);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const refresh = await summaryRefresh(opts, osgit.log);
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      if (refresh) clearInterval(refresh);
      osgit.drain();
      server.close(() => resolve());
      server.closeIdleConnections();
      // A connection whose response just ended is idle now: close it rather than wait for
      // the keep-alive timeout.
      server.on('request', (_req, res) => res.once('finish', () => setImmediate(() => server.closeIdleConnections())));
      const poll = setInterval(() => {
        server.closeIdleConnections();
        if (osgit.inFlight() === 0) clearInterval(poll);
      }, 100);
      poll.unref();
      const cut = setTimeout(() => server.closeAllConnections(), limits.shutdownGraceMs);
      cut.unref();
    });
    return closing;
  };
  return { url, server, close };
}

/**
 * With --summary-expires and one repository: republish (through ensureSummary, so only when past
 * half the lifetime) on a timer too, so a summary read straight from the folder (nginx in front)
 * never expires either; summary requests through the server check on their own.
 */
async function summaryRefresh(opts: ServeOptions, log: ServerLog): Promise<NodeJS.Timeout | null> {
  const seconds = opts.summary?.expiresAfterSeconds;
  if (seconds === undefined || opts.repo === undefined) return null;
  const repo = await Repo.open(opts.repo);
  const timer = setInterval(() => {
    ensureSummary(repo, opts.summary!).catch((err: unknown) => log.error(err, { method: 'REFRESH', path: '/summary' }));
  }, Math.min(Math.max(1, Math.floor(seconds / 4)), 3600) * 1000);
  timer.unref();
  return timer;
}
