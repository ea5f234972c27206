import { describe, expect, it } from 'vitest';
import { StoreError } from '@osgit/store';
import { ProtocolError } from '@osgit/protocol';
import { ServerError } from './errors.js';
import { errorResponse, httpStatusFor } from './http-status.js';

describe('the error-code -> HTTP status table', () => {
  it('answers the codes clients act on with the statuses the protocol documents', () => {
    expect(
      Object.fromEntries(
        ['NOT_FOUND', 'OBJECT_MISSING', 'METHOD_NOT_ALLOWED', 'BAD_REQUEST', 'UNAUTHORIZED', 'TOKEN_INVALID', 'FORBIDDEN', 'PUSH_CONFLICT', 'REF_CONFLICT', 'TOO_LARGE', 'BUSY', 'REPO_LOCKED', 'RANGE_NOT_SATISFIABLE', 'OBJECT_CORRUPT', 'NO_SPACE'].map((c) => [c, httpStatusFor(c)]),
      ),
    ).toEqual({
      NOT_FOUND: 404, OBJECT_MISSING: 404, METHOD_NOT_ALLOWED: 405, BAD_REQUEST: 400, UNAUTHORIZED: 401, TOKEN_INVALID: 401,
      FORBIDDEN: 403, PUSH_CONFLICT: 409, REF_CONFLICT: 409, TOO_LARGE: 413, BUSY: 503, REPO_LOCKED: 503,
      RANGE_NOT_SATISFIABLE: 416, OBJECT_CORRUPT: 400, NO_SPACE: 507,
    });
  });

  it('keeps the code and message of a client error, without the server folders it names', () => {
    const err = new StoreError('REF_INVALID', "invalid ref name 'a..b' in /srv/repos/os/refs", {});
    expect(errorResponse(err, ['/srv/repos'])).toEqual({
      status: 400,
      body: { error: { code: 'REF_INVALID', message: "invalid ref name 'a..b' in <repo>/os/refs" } },
      logIt: false,
    });
  });

  it('answers a server-side failure with its code and a generic message, and logs it', () => {
    const r = errorResponse(new StoreError('IO', 'cannot read /srv/repos/os/objects/aa/bb.commit: input/output error'));
    expect(r).toEqual({ status: 500, body: { error: { code: 'IO', message: 'internal server error' } }, logIt: true });
  });

  it('answers an unknown error with a 500 INTERNAL that carries no message or stack of its own', () => {
    const boom = new TypeError('x is undefined at /srv/app.js:12');
    const r = errorResponse(boom);
    expect(r).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal server error' } }, logIt: true });
    expect(JSON.stringify(r.body)).not.toContain('app.js');
  });

  it('keeps the typed errors of every package', () => {
    expect(errorResponse(new ProtocolError('FORBIDDEN', 'token may not push os/aarch64/stable')).status).toBe(403);
    expect(errorResponse(new ServerError('BUSY', 'too many requests')).body.error.code).toBe('BUSY');
  });
});
