import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyFailure, classifyStatus } from './retry-policy.js';

const withCode = (code: string, cause?: unknown) => Object.assign(new Error(code, cause ? { cause } : {}), { code });

describe('the retry policy', () => {
  it('reads statuses as ostree does: 403/404/410 not found, 408/429/5xx retried, others fail', () => {
    expect([200, 204, 206].map(classifyStatus)).toEqual(['ok', 'ok', 'ok']);
    expect([403, 404, 410].map(classifyStatus)).toEqual(['not-found', 'not-found', 'not-found']);
    expect([408, 429, 500, 502, 503, 504].map(classifyStatus)).toEqual(Array(6).fill('retry'));
    expect([301, 304, 400, 401, 405, 413].map(classifyStatus)).toEqual(Array(6).fill('fail'));
  });

  it('retries reset and refused connections, and knows a stall from a timeout between bytes', () => {
    expect(classifyFailure(withCode('ECONNRESET'))).toBe('retry');
    expect(classifyFailure(withCode('ECONNREFUSED'))).toBe('retry');
    expect(classifyFailure(withCode('UND_ERR_SOCKET'))).toBe('retry');
    expect(classifyFailure(new Error('wrapped', { cause: withCode('ECONNRESET') }))).toBe('retry');
    expect(classifyFailure(withCode('UND_ERR_BODY_TIMEOUT'))).toBe('stall');
    expect(classifyFailure(withCode('UND_ERR_HEADERS_TIMEOUT'))).toBe('stall');
    expect(classifyFailure(withCode('ENOTFOUND'))).toBe('fail');
    expect(classifyFailure(new TypeError('Invalid URL'))).toBe('fail');
    expect(classifyFailure('not an error')).toBe('fail');
  });

  it('backs off exponentially up to a cap, with half of each delay random', () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, opts, 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, opts, 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, opts, 0.5)).toBe(300);
  });
});
