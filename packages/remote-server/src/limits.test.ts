import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isProtocolError } from '@osgit/protocol';
import { limitedBody, resolveLimits, DEFAULT_LIMITS } from './limits.js';

async function drain(r: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of r) n += (chunk as Buffer).length;
  return n;
}

describe('limitedBody', () => {
  it('passes a body up to the limit through unchanged', async () => {
    expect(await drain(limitedBody(Readable.from([Buffer.alloc(600), Buffer.alloc(400)]), 1000))).toBe(1000);
  });

  it('fails with TOO_LARGE at the first byte over the limit, whatever Content-Length said', async () => {
    const err = await drain(limitedBody(Readable.from([Buffer.alloc(600), Buffer.alloc(401)]), 1000)).catch((e: unknown) => e);
    expect(isProtocolError(err, 'TOO_LARGE')).toBe(true);
  });
});

describe('resolveLimits', () => {
  it('takes the given limits over the defaults and ignores undefined ones', () => {
    expect(resolveLimits({ maxBodyBytes: 5, maxObjectBytes: undefined })).toEqual({ ...DEFAULT_LIMITS, maxBodyBytes: 5 });
  });
});
