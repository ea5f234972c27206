/**
 * The smart protocol's HTTP calls: small JSON/msgpack exchanges and the one streamed pack.
 * Failures come back typed: unreachable or cut connections NETWORK, a response that stops
 * sending for `stallTimeoutMs` STALLED, the server's JSON errors by their meaning (404
 * OBJECT_MISSING → REMOTE_REF_NOT_FOUND, 401/403/413 → UNAUTHORIZED/FORBIDDEN/TOO_LARGE), any
 * other unexpected status HTTP_STATUS.
 *
 * Why node:http and not undici (which the dumb pull and push use): memory on small machines. A
 * smart pull makes a handful of requests one after the other, so undici's connection pool buys
 * nothing, while loading undici and compiling its llhttp WebAssembly on the first request cost
 * ~55 MiB of peak RSS (a process making one request: 98.6 MiB with undici, 44.8 MiB with
 * node:http). node:http's parser is built into node. So a smart pull never loads undici.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { ProtocolError } from '../errors.js';
import { classifyFailure, classifyStatus } from '../transport/retry-policy.js';
import { userAgent } from '../transport/user-agent.js';

export interface SmartHttpOptions {
  /** The remote's base URL (a trailing slash is added when missing). */
  baseUrl: string;
  /** The connection pool to use (default: one kept-alive agent per scheme for the process). */
  agent?: http.Agent;
  /** Aborts every request (and the body being read): the abort reason is what the caller gets. */
  signal?: AbortSignal;
  /** A response that sends no byte for this long is abandoned: STALLED. */
  stallTimeoutMs: number;
  headers?: Record<string, string>;
}

/**
 * How long a POST may wait for its answer to begin: the server walks trees (a plan) or looks up
 * every object (a pack) before its first byte, which takes seconds per 100k objects; a stall is
 * counted from the first byte on.
 */
const ANSWER_WAIT_MS = 5 * 60_000;

/** Largest small response (refs, capabilities, plan: ~40 bytes per object) read into memory. */
const MAX_SMALL_RESPONSE = 160 * 1024 * 1024;

/** The most of an error body read to find its JSON error. */
const MAX_ERROR_BODY = 64 * 1024;

/** The error a stalled request or body is destroyed with; its code is one the retry policy reads as a stall. */
function stallError(ms: number): Error {
  return Object.assign(new Error(`no data received for ${ms / 1000} s`), { code: 'OSGIT_STALLED' });
}

let httpAgent: http.Agent | undefined;
let httpsAgent: https.Agent | undefined;

/** Kept-alive connections, shared by every smart exchange of the process (idle sockets do not hold it open). */
function defaultAgent(protocol: string): http.Agent {
  if (protocol === 'https:') return (httpsAgent ??= new https.Agent({ keepAlive: true, keepAliveMsecs: 30_000 }));
  return (httpAgent ??= new http.Agent({ keepAlive: true, keepAliveMsecs: 30_000 }));
}

export class SmartHttp {
  constructor(private readonly opts: SmartHttpOptions) {}

  /** The absolute URL of an endpoint below /osgit/v1/. */
  url(path: string): string {
    const base = this.opts.baseUrl.endsWith('/') ? this.opts.baseUrl : `${this.opts.baseUrl}/`;
    return new URL(`osgit/v1/${path}`, base).toString();
  }

  /** GET an endpoint; resolves with null for a 404 when `missingOk`. */
  async get(path: string, opts: { missingOk?: boolean } = {}): Promise<{ status: number; contentType: string; body: Buffer } | null> {
    const res = await this.send(path, { method: 'GET' });
    if (res.statusCode === 404 && opts.missingOk) {
      res.resume();
      return null;
    }
    return this.small(path, res);
  }

  /** POST a body, read the whole answer. */
  async post(path: string, body: Uint8Array, contentType: string): Promise<Buffer> {
    const res = await this.send(path, { method: 'POST', body, headers: { 'content-type': contentType }, waitMs: ANSWER_WAIT_MS });
    return (await this.small(path, res)).body;
  }

  /** POST a body, answer a stream of the response body (read it to the end or destroy it). */
  async postStream(path: string, body: Uint8Array, contentType: string): Promise<AsyncIterable<Uint8Array> & { destroy(err?: Error): void }> {
    const res = await this.send(path, { method: 'POST', body, headers: { 'content-type': contentType }, waitMs: ANSWER_WAIT_MS });
    if (res.statusCode !== 200) throw await this.statusError(path, res);
    const chunks = this.chunks(path, res);
    return {
      [Symbol.asyncIterator]: () => chunks,
      destroy: (err?: Error) => res.destroy(err),
    };
  }

  private send(path: string, init: { method: 'GET' | 'POST'; body?: Uint8Array; headers?: Record<string, string>; waitMs?: number }): Promise<http.IncomingMessage> {
    const url = new URL(this.url(path));
    const signal = this.opts.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const mod = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = { 'user-agent': userAgent(), ...this.opts.headers, ...init.headers };
    if (init.body) headers['content-length'] = init.body.byteLength;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, {
        method: init.method,
        headers,
        agent: this.opts.agent ?? defaultAgent(url.protocol),
        ...(signal ? { signal } : {}),
      });
      // Connecting, sending and waiting for the status line: as long as the answer may take to begin.
      const waitMs = Math.max(this.opts.stallTimeoutMs, init.waitMs ?? 0);
      const timer = setTimeout(() => req.destroy(stallError(waitMs)), waitMs);
      // Stays attached: a socket error after the response is the body's failure, never an uncaught one.
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(this.failure(err, url.href));
      });
      req.on('response', (res) => {
        clearTimeout(timer);
        resolve(res);
      });
      req.end(init.body);
    });
  }

  /**
   * The body's chunks as the consumer asks for them (backpressure: nothing is read ahead beyond
   * the stream's buffer). The stall clock runs only while the consumer waits for the next chunk,
   * so a slow consumer is never taken for a silent server.
   */
  private async *chunks(path: string, res: http.IncomingMessage): AsyncGenerator<Buffer> {
    const url = this.url(path);
    const ms = this.opts.stallTimeoutMs;
    const it = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      for (;;) {
        const timer = setTimeout(() => res.destroy(stallError(ms)), ms);
        let next: IteratorResult<Buffer>;
        try {
          next = await it.next();
        } catch (err) {
          throw this.failure(err, url);
        } finally {
          clearTimeout(timer);
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // Left early (the consumer stopped, or an error): the connection cannot be reused.
      if (!res.complete) res.destroy();
    }
  }

  private async small(path: string, res: http.IncomingMessage): Promise<{ status: number; contentType: string; body: Buffer }> {
    if (res.statusCode !== 200) throw await this.statusError(path, res);
    const url = this.url(path);
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.chunks(path, res)) {
      size += chunk.length;
      if (size > MAX_SMALL_RESPONSE) {
        throw new ProtocolError('BAD_RESPONSE', `${url}: response over ${MAX_SMALL_RESPONSE} bytes`, { url });
      }
      parts.push(chunk);
    }
    return { status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(parts) };
  }

  /** The typed error for a non-200 answer, from its JSON error body when it has one. */
  private async statusError(path: string, res: http.IncomingMessage): Promise<ProtocolError> {
    const url = this.url(path);
    const status = res.statusCode ?? 0;
    let code: string | undefined;
    let message = '';
    try {
      const parts: Buffer[] = [];
      let size = 0;
      for await (const chunk of this.chunks(path, res)) {
        parts.push(chunk);
        size += chunk.length;
        if (size >= MAX_ERROR_BODY) break;
      }
      const text = Buffer.concat(parts).toString('utf8').slice(0, 4096);
      const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.code === 'string') code = parsed.error.code;
      if (typeof parsed.error?.message === 'string') message = parsed.error.message;
    } catch (err) {
      // An abort is the caller's answer; anything else (not JSON, cut short): the status alone says it.
      if (this.opts.signal?.aborted) throw this.opts.signal.reason ?? err;
    }
    const data = { url, status, serverCode: code };
    const said = message ? `: ${message}` : '';
    if (status === 401) return new ProtocolError('UNAUTHORIZED', `${url}: 401 unauthorized${said}`, data);
    if (status === 403) return new ProtocolError('FORBIDDEN', `${url}: 403 forbidden${said}`, data);
    if (status === 413) return new ProtocolError('TOO_LARGE', `${url}: 413 request too large${said}`, data);
    if (status === 404 && (code === 'OBJECT_MISSING' || code === 'REMOTE_REF_NOT_FOUND')) {
      return new ProtocolError('REMOTE_REF_NOT_FOUND', `the remote does not have what was asked for${said}`, data);
    }
    return new ProtocolError('HTTP_STATUS', `${url}: HTTP ${status}${said}`, { ...data, retry: classifyStatus(status) === 'retry' });
  }

  /** An aborted request fails with the abort's reason; any other failure is typed. */
  private failure(err: unknown, url: string): unknown {
    const signal = this.opts.signal;
    if (signal?.aborted) return signal.reason ?? err;
    return networkError(err, url);
  }
}

/**
 * A transport failure as NETWORK or STALLED (typed errors pass through), marked `retry` when a
 * later attempt may not meet it (the transport's retry policy decides which failures those are).
 */
export function networkError(err: unknown, url: string): unknown {
  if (err instanceof ProtocolError) return err;
  const code = (err as { code?: unknown }).code;
  const kind = classifyFailure(err);
  if (kind === 'stall') {
    return new ProtocolError('STALLED', `${url}: no data received for too long; the transfer stalled`, { url, retry: true }, { cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new ProtocolError('NETWORK', `${url}: ${detail}`, { url, errno: typeof code === 'string' ? code : undefined, retry: kind === 'retry' }, { cause: err });
}

/** True for failures a later attempt may not meet: a cut or refused connection, a stall, 408/429/5xx. */
export function isTransient(err: unknown): boolean {
  return err instanceof ProtocolError && err.data.retry === true;
}
