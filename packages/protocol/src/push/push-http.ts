import type { Dispatcher } from 'undici';
import { StoreError, type StoreErrorCode } from '@osgit/store';
import { ProtocolError, type ProtocolErrorCode } from '../errors.js';
import { userAgent } from '../transport/user-agent.js';
import { loadUndici } from '../transport/load-undici.js';

/** The ProtocolError codes a server's JSON error body may name that a client passes on as they are. */
const PASSED_ON = new Set<ProtocolErrorCode>(['UNAUTHORIZED', 'FORBIDDEN', 'PUSH_REJECTED', 'PUSH_CONFLICT', 'TOO_LARGE', 'REMOTE_REF_NOT_FOUND']);
/**
 * The store's trust codes a server answers a push with (a protected ref and an unsigned or badly
 * signed commit): passed on as the StoreError they are, so the CLI exits 10 (refused by trust).
 */
const TRUST_CODES = new Set<StoreErrorCode>(['SIGNATURE_MISSING', 'SIGNATURE_INVALID']);
/** What a status means when the body does not say. */
const BY_STATUS: Record<number, ProtocolErrorCode> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 409: 'PUSH_CONFLICT', 413: 'TOO_LARGE', 422: 'PUSH_REJECTED' };

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

/** One request; NETWORK when the server cannot be reached or the connection fails. */
export async function httpRequest(
  url: URL, opts: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: Buffer | AsyncIterable<Uint8Array>; dispatcher?: Dispatcher; maxBody?: number },
): Promise<HttpAnswer> {
  try {
    // Loaded when first used: a process that never pushes (a smart pull) never loads undici.
    const { request } = await loadUndici();
    const res = await request(url, {
      method: opts.method,
      headers: { 'user-agent': userAgent(), ...opts.headers },
      ...(opts.body !== undefined ? { body: opts.body as Buffer } : {}),
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > (opts.maxBody ?? 64 * 1024 * 1024)) {
        res.body.destroy();
        throw new ProtocolError('BAD_RESPONSE', `${url.href}: the answer is over ${opts.maxBody ?? 64 * 1024 * 1024} bytes`, { url: url.href });
      }
      parts.push(chunk);
    }
    return { status: res.statusCode, body: Buffer.concat(parts) };
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError('NETWORK', `${url.href}: ${(err as Error).message}`, { url: url.href }, { cause: err });
  }
}

/** The typed error for a non-2xx answer: the server's own code when it is one to pass on, else by status. */
export function errorFromAnswer(url: URL, answer: HttpAnswer, what: string): ProtocolError | StoreError {
  let code: ProtocolErrorCode | undefined = BY_STATUS[answer.status];
  let message = `${what}: the server answered ${answer.status}`;
  try {
    const e = (JSON.parse(answer.body.toString('utf8')) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof e?.message === 'string') message = `${what}: ${e.message}`;
    if (typeof e?.code === 'string' && TRUST_CODES.has(e.code as StoreErrorCode)) {
      return new StoreError(e.code as StoreErrorCode, message, { url: url.href, status: answer.status });
    }
    if (typeof e?.code === 'string' && PASSED_ON.has(e.code as ProtocolErrorCode)) code = e.code as ProtocolErrorCode;
  } catch {
    // not a JSON error body: the status says it
  }
  return new ProtocolError(code ?? 'HTTP_STATUS', message, { url: url.href, status: answer.status });
}
