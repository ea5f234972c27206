/**
 * What the HTTP transport does with an answer or a failure: pure functions, no I/O, so the
 * policy is tested alone. It follows ostree's fetcher (reference/ostree-formats.md §5): 403, 404
 * and 410 mean "not there" (a result, not an error: some requests are optional); 408 and 5xx,
 * reset or refused connections and timeouts are transient and retried, up to 5 times by default.
 */

export type StatusClass = 'ok' | 'not-found' | 'retry' | 'fail';

export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 403 || status === 404 || status === 410) return 'not-found';
  // 429: the server asks us to come back later; like 408 and 5xx, a later try may succeed.
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) return 'retry';
  return 'fail';
}

/** How a request failed below HTTP: worth another try, a stall (no byte for too long), or neither. */
export type FailureClass = 'retry' | 'stall' | 'fail';

/** Node and undici error codes of failures a later try may not meet (the network, the peer). */
const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
]);
/** undici's timeouts between bytes: what ostree#2383 asks for, a transfer that stalls is abandoned. */
const STALL_CODES = new Set(['UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'OSGIT_STALLED']);

export function classifyFailure(err: unknown): FailureClass {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (STALL_CODES.has(code)) return 'stall';
      if (TRANSIENT_CODES.has(code)) return 'retry';
    }
  }
  return 'fail';
}

export interface BackoffOptions {
  /** delay before the first retry, before jitter (ms) */
  baseMs: number;
  /** the most any one delay may be (ms) */
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential, capped, with "equal
 * jitter" (half fixed, half random) so that many requests failing together do not come back
 * together. `random` is a number in [0, 1).
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: number): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
