/**
 * The smart protocol's HTTP calls, over undici: small JSON/msgpack exchanges and the one
 * streamed pack. Failures come back typed: unreachable or cut connections NETWORK, a response
 * that stops sending for `stallTimeoutMs` STALLED, the server's JSON errors by their meaning
 * (404 OBJECT_MISSING → REMOTE_REF_NOT_FOUND, 401/403/413 → UNAUTHORIZED/FORBIDDEN/TOO_LARGE),
 * any other unexpected status HTTP_STATUS.
 */
import { request, type Dispatcher } from 'undici';
import { ProtocolError } from '../errors.js';
import { classifyFailure, classifyStatus } from '../transport/retry-policy.js';

export interface SmartHttpOptions {
  /** The remote's base URL (a trailing slash is added when missing). */
  baseUrl: string;
  dispatcher?: Dispatcher;
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
      await res.body.dump().catch(() => undefined);
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
    const url = this.url(path);
    const stream = res.body;
    return {
      [Symbol.asyncIterator]: async function* () {
        try {
          for await (const chunk of stream) yield chunk as Uint8Array;
        } catch (err) {
          throw networkError(err, url);
        }
      },
      destroy: (err?: Error) => stream.destroy(err),
    };
  }

  private async send(path: string, init: { method: 'GET' | 'POST'; body?: Uint8Array; headers?: Record<string, string>; waitMs?: number }): Promise<Dispatcher.ResponseData> {
    const url = this.url(path);
    try {
      return await request(url, {
        method: init.method,
        body: init.body,
        headers: { ...this.opts.headers, ...init.headers },
        dispatcher: this.opts.dispatcher,
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        headersTimeout: Math.max(this.opts.stallTimeoutMs, init.waitMs ?? 0),
        bodyTimeout: this.opts.stallTimeoutMs,
      });
    } catch (err) {
      throw networkError(err, url);
    }
  }

  private async small(path: string, res: Dispatcher.ResponseData): Promise<{ status: number; contentType: string; body: Buffer }> {
    if (res.statusCode !== 200) throw await this.statusError(path, res);
    const url = this.url(path);
    const parts: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_SMALL_RESPONSE) {
          res.body.destroy();
          throw new ProtocolError('BAD_RESPONSE', `${url}: response over ${MAX_SMALL_RESPONSE} bytes`, { url });
        }
        parts.push(chunk as Buffer);
      }
    } catch (err) {
      throw networkError(err, url);
    }
    return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(parts) };
  }

  /** The typed error for a non-200 answer, from its JSON error body when it has one. */
  private async statusError(path: string, res: Dispatcher.ResponseData): Promise<ProtocolError> {
    const url = this.url(path);
    const status = res.statusCode;
    let code: string | undefined;
    let message = '';
    try {
      const text = (await res.body.text()).slice(0, 4096);
      const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.code === 'string') code = parsed.error.code;
      if (typeof parsed.error?.message === 'string') message = parsed.error.message;
    } catch {
      // not a JSON error body: the status alone says it
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
