import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ServerLog } from './log.js';

/**
 * Logs one line per request when its response is over (sent in full, or cut because the client
 * went away): time, method, path, status, body bytes written, milliseconds, client address, and
 * `res.locals.note` when a route left one.
 */
export function requestLog(log: ServerLog): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const path = req.originalUrl;
    // Read now: once the client has closed the connection the socket no longer knows its peer.
    const remote = req.socket.remoteAddress ?? '';
    let bytes = 0;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      bytes += sizeOf(chunk);
      return write(chunk, ...rest);
    }) as Response['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') bytes += sizeOf(chunk);
      return end(chunk, ...rest);
    }) as Response['end'];
    res.once('close', () => {
      log.request({
        time: new Date().toISOString(),
        method: req.method,
        path,
        status: res.headersSent ? res.statusCode : 0,
        bytes: req.method === 'HEAD' ? 0 : bytes,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        remote,
        ...(typeof res.locals.note === 'string' ? { note: res.locals.note } : {}),
      });
    });
    next();
  };
}

function sizeOf(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}
