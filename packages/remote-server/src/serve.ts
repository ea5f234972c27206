import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppOptions } from './app.js';
import { guardIdleSockets } from './idle-guard.js';

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
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
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
