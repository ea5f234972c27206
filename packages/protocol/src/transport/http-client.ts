import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Agent, Dispatcher } from 'undici';
import { ProtocolError, isProtocolError } from '../errors.js';
import { backoffDelay, classifyFailure, classifyStatus } from './retry-policy.js';
import { userAgent } from './user-agent.js';
import { loadUndici } from './load-undici.js';

export interface HttpClientOptions {
  /** connections kept alive per origin, i.e. requests in flight to one server (default 16) */
  connections?: number;
  /** retries of a transient failure before giving up (default 5, as ostree) */
  retries?: number;
  /** a request with no byte (headers or body) for this long is abandoned and retried (default 30 s) */
  stallTimeoutMs?: number;
  /** delay before the first retry, doubled each time, with jitter (default 250 ms; at most 8 s) */
  retryDelayMs?: number;
}

export interface GetOptions {
  /** the largest body accepted; a bigger one is BAD_RESPONSE (a server cannot make us fill memory or disk) */
  maxBytes: number;
  /** stop waiting (and abort the request) when this fires */
  signal?: AbortSignal;
  /** a body bigger than `spoolOver` bytes goes into a new file in this folder instead of memory */
  spoolDir?: string;
  spoolOver?: number;
}

/** A body in memory, or in a file the caller removes (see GetOptions.spoolDir). */
export type Body = { bytes: Buffer } | { path: string; size: number };

/** 2xx with its body, or "not there" (403, 404, 410: OSTree's fetcher reads all three so). */
export type GetResult = { found: true; body: Body } | { found: false; status: number };

export interface HttpStats {
  requests: number;
  retries: number;
  bytes: number;
}

/**
 * GET over HTTP/1.1 with kept-alive connections (one undici Agent: a connection pool per
 * origin), retries with backoff on transient failures, and a stall timeout: undici's
 * headersTimeout and bodyTimeout are the longest wait for the next byte, so a server that stops
 * sending mid-body is abandoned and asked again instead of hanging the pull (ostree#2383).
 */
export class HttpClient {
  readonly stats: HttpStats = { requests: 0, retries: 0, bytes: 0 };
  /** Made on the first request: undici is loaded only by a process that uses it (see smart-http.ts). */
  private agent: Promise<Agent> | null = null;
  private readonly connections: number;
  private readonly retries: number;
  private readonly stallTimeoutMs: number;
  private readonly retryDelayMs: number;

  constructor(opts: HttpClientOptions = {}) {
    this.retries = opts.retries ?? 5;
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 30_000;
    this.retryDelayMs = opts.retryDelayMs ?? 250;
    this.connections = opts.connections ?? 16;
  }

  private pool(): Promise<Agent> {
    this.agent ??= loadUndici().then(({ Agent }) => new Agent({
      connections: this.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: this.stallTimeoutMs,
      bodyTimeout: this.stallTimeoutMs,
      connectTimeout: Math.min(this.stallTimeoutMs, 30_000),
    }));
    return this.agent;
  }

  /** GET `url`. Transient failures are retried; the last one is thrown as NETWORK, STALLED or HTTP_STATUS. */
  async get(url: string, opts: GetOptions): Promise<GetResult> {
    const target = new URL(url);
    let lastError: ProtocolError | null = null;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        this.stats.retries++;
        await sleep(backoffDelay(attempt, { baseMs: this.retryDelayMs, maxMs: 8000 }, Math.random()), opts.signal);
      }
      opts.signal?.throwIfAborted();
      try {
        return await this.once(target, opts);
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        const failure = this.failureOf(err, url);
        if (!failure.retry) throw failure.error;
        lastError = failure.error;
      }
      if (attempt >= this.retries) {
        const e = lastError;
        throw new ProtocolError(e.code, `${e.message} (gave up after ${attempt + 1} tries)`, { ...e.data, tries: attempt + 1 }, { cause: e.cause ?? e });
      }
    }
  }

  /** Ends every kept-alive connection; requests still running fail. */
  async close(): Promise<void> {
    if (this.agent) await (await this.agent).close();
  }

  private async once(target: URL, opts: GetOptions): Promise<GetResult> {
    this.stats.requests++;
    const res = await (await this.pool()).request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: 'GET',
      headers: { 'user-agent': userAgent(), accept: '*/*' },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const kind = classifyStatus(res.statusCode);
    if (kind !== 'ok') {
      await res.body.dump().catch(() => undefined);
      if (kind === 'not-found') return { found: false, status: res.statusCode };
      throw new ProtocolError('HTTP_STATUS', `${target.href}: the server answered HTTP ${res.statusCode}`, {
        url: target.href, status: res.statusCode, retry: kind === 'retry',
      });
    }
    return { found: true, body: await this.readBody(res, target.href, opts) };
  }

  private async readBody(res: Dispatcher.ResponseData, url: string, opts: GetOptions): Promise<Body> {
    const announced = Number(res.headers['content-length'] ?? NaN);
    if (announced > opts.maxBytes) {
      await res.body.dump().catch(() => undefined);
      throw tooBig(url, opts.maxBytes);
    }
    const spoolOver = opts.spoolDir ? (opts.spoolOver ?? 8 * 1024 * 1024) : Infinity;
    const chunks: Buffer[] = [];
    let size = 0;
    let file: { fh: FileHandle; path: string } | null = null;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        this.stats.bytes += chunk.length;
        if (size > opts.maxBytes) {
          res.body.destroy();
          throw tooBig(url, opts.maxBytes);
        }
        if (file) {
          await file.fh.write(chunk);
          continue;
        }
        chunks.push(chunk);
        if (size > spoolOver) {
          const path = join(opts.spoolDir!, `osgit-download-${randomBytes(8).toString('hex')}`);
          file = { fh: await open(path, 'wx', 0o600), path };
          for (const c of chunks.splice(0)) await file.fh.write(c);
        }
      }
      if (file) {
        await file.fh.close();
        const done = { path: file.path, size };
        file = null;
        return done;
      }
      return { bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) };
    } finally {
      if (file) {
        await file.fh.close().catch(() => undefined);
        await rm(file.path, { force: true });
      }
    }
  }

  /** The failure as the error to report (if every try fails), and whether another try may help. */
  private failureOf(err: unknown, url: string): { error: ProtocolError; retry: boolean } {
    if (isProtocolError(err)) return { error: err, retry: err.code === 'HTTP_STATUS' && err.data.retry === true };
    switch (classifyFailure(err)) {
      case 'stall':
        return {
          error: new ProtocolError('STALLED', `${url}: no data for ${this.stallTimeoutMs / 1000} s; the transfer stalled`, { url, stallTimeoutMs: this.stallTimeoutMs }, { cause: err }),
          retry: true,
        };
      case 'retry':
        return { error: new ProtocolError('NETWORK', `${url}: ${describe(err)}`, { url }, { cause: err }), retry: true };
      case 'fail':
        // An unknown host, a refused TLS handshake…: trying again would meet the same.
        return { error: new ProtocolError('NETWORK', `${url}: ${describe(err)}`, { url }, { cause: err }), retry: false };
    }
  }
}

function tooBig(url: string, maxBytes: number): ProtocolError {
  return new ProtocolError('BAD_RESPONSE', `${url}: the response is over the ${maxBytes}-byte limit for it`, { url, maxBytes });
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.message} (${code})` : err.message;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
