/**
 * An HTTP proxy for push tests, a small real node:http server in front of `osgit serve`: it
 * counts the bytes of every request and response body that passes (what a push moved on the
 * wire), and can misbehave on purpose: hold POST /osgit/v1/push requests until N of them have
 * arrived (so concurrent pushes really race), or cut a push body after N bytes (the server sees
 * the connection drop mid-stream, as when a client dies).
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PushProxyOptions {
  /** hold push requests until this many have arrived, then let them all through at once */
  pushBarrier?: number;
  /** run this when a push request arrives, before it is forwarded (another writer acting in between) */
  beforePush?: () => Promise<void>;
  /** forward only this many bytes of the FIRST push request body, then drop both connections (later pushes pass) */
  cutPushAfterBytes?: number;
}

export interface PushProxy {
  url: string;
  /** request body bytes + response body bytes, per request path, in arrival order */
  requests: Array<{ method: string; path: string; requestBytes: number; responseBytes: number; status: number }>;
  totalBytes(): number;
  /** resolves once a cut push was cut (both sides closed) */
  cut: Promise<void>;
  stop(): Promise<void>;
}

export async function startPushProxy(target: string, opts: PushProxyOptions = {}): Promise<PushProxy> {
  const upstream = new URL(target);
  const requests: PushProxy['requests'] = [];
  const held: Array<() => void> = [];
  let pushes = 0;
  let signalCut!: () => void;
  const cut = new Promise<void>((r) => (signalCut = r));

  const forward = (req: IncomingMessage, res: ServerResponse, entry: PushProxy['requests'][number], isPush: boolean): void => {
    const up = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (upRes) => {
        entry.status = upRes.statusCode ?? 0;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.on('data', (c: Buffer) => (entry.responseBytes += c.length));
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    const limit = isPush && pushes++ === 0 ? opts.cutPushAfterBytes : undefined;
    req.on('data', (c: Buffer) => {
      if (limit !== undefined && entry.requestBytes + c.length >= limit) {
        const part = c.subarray(0, Math.max(0, limit - entry.requestBytes));
        entry.requestBytes += part.length;
        up.write(part, () => {
          // The body just stops, as when a client dies: the server gets every byte sent so far,
          // then the end of the connection (FIN, not a reset that could drop bytes in flight).
          up.socket?.end();
          req.socket.destroy();
          signalCut();
        });
        req.pause();
        req.removeAllListeners('data');
        return;
      }
      entry.requestBytes += c.length;
      if (!up.write(c)) {
        req.pause();
        up.once('drain', () => req.resume());
      }
    });
    req.on('end', () => up.end());
  };

  const server = createServer((req, res) => {
    const entry = { method: req.method ?? '', path: req.url ?? '', requestBytes: 0, responseBytes: 0, status: 0 };
    requests.push(entry);
    const isPush = req.method === 'POST' && /\/osgit\/v1\/push(\?|$)/.test(req.url ?? '');
    if (isPush && opts.pushBarrier) {
      req.pause();
      held.push(() => {
        forward(req, res, entry, isPush);
        req.resume();
      });
      if (held.length >= opts.pushBarrier) for (const go of held.splice(0)) go();
      return;
    }
    if (isPush && opts.beforePush) {
      req.pause();
      void opts.beforePush().then(
        () => {
          forward(req, res, entry, isPush);
          req.resume();
        },
        () => res.destroy(),
      );
      return;
    }
    forward(req, res, entry, isPush);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    totalBytes: () => requests.reduce((n, r) => n + r.requestBytes + r.responseBytes, 0),
    cut,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
