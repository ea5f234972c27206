import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { ProtocolError } from '@osgit/protocol';

/** What one server accepts; every field has a default and an `osgit serve` flag. */
export interface ServerLimits {
  /** Largest request body (push packs), in bytes: 413 TOO_LARGE above it. */
  maxBodyBytes: number;
  /** Largest single object a push may carry, in bytes (enforced by the push route). */
  maxObjectBytes: number;
  /** Requests handled at once; one more is answered 503 with Retry-After. */
  maxConcurrentRequests: number;
  /** On SIGTERM/SIGINT, how long in-flight requests may still run before their connections are cut. */
  shutdownGraceMs: number;
  /** Time a client has to send its request headers (slow-loris guard). */
  headersTimeoutMs: number;
  /** How long an idle kept-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /**
   * A connection on which no byte moved either way for this long is closed. Long responses are
   * never cut for their length, only for a client that stopped reading (or sending) altogether.
   */
  idleTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = {
  maxBodyBytes: 8 * 1024 ** 3,
  maxObjectBytes: 2 * 1024 ** 3,
  maxConcurrentRequests: 256,
  shutdownGraceMs: 30_000,
  headersTimeoutMs: 30_000,
  keepAliveTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
};

export function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(partial) as Array<[keyof ServerLimits, number | undefined]>) {
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/**
 * The request body as a stream that fails with TOO_LARGE once more than `maxBytes` went through:
 * routes that read a body (push packs) read it through this, whatever Content-Length claimed.
 */
export function limitedBody(req: Readable, maxBytes: number): Readable {
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        done(new ProtocolError('TOO_LARGE', `request body over the server's limit of ${maxBytes} bytes`, { limit: maxBytes }));
        return;
      }
      done(null, chunk);
    },
  });
  req.on('error', (err) => guard.destroy(err));
  return req.pipe(guard);
}
