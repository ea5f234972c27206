import type { ErrorRequestHandler, Response } from 'express';
import { StoreError, type StoreErrorCode } from '@osgit/store';
import { ProtocolError, type ProtocolErrorCode } from '@osgit/protocol';
import { ServerError, type ServerErrorCode } from './errors.js';

export type ErrorCode = StoreErrorCode | ProtocolErrorCode | ServerErrorCode;

/**
 * One table from every error code the routes can meet to the HTTP status it is answered with.
 * A Record, not a Partial: a new code does not compile until it has its status here. Codes that
 * only a client or a checkout can raise still get the status they would mean if one leaked.
 */
const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  // The request itself.
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BAD_REQUEST: 400,
  RANGE_NOT_SATISFIABLE: 416,
  BUSY: 503,
  INTERNAL: 500,
  // What the client sent is wrong (a pushed object, a ref name, a want).
  GVARIANT_NOT_NORMAL: 400,
  OBJECT_CORRUPT: 400,
  UNSAFE_TREE: 400,
  UNSAFE_PATH: 400,
  REF_INVALID: 400,
  REV_INVALID: 400,
  REV_AMBIGUOUS: 400,
  INVALID_ARGUMENT: 400,
  COMMIT_INPUT: 400,
  BAD_OBJECT: 400,
  BAD_RESPONSE: 400, // a request body that is not the protocol (truncated or malformed pack)
  REMOTE_INVALID: 400,
  TOKEN_INVALID: 401,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  // A push to a protected ref whose commits are not signed by a listed key.
  SIGNATURE_MISSING: 403,
  SIGNATURE_INVALID: 403,
  KEY_INVALID: 500, // the server's own key files
  REF_BINDING: 403,
  DOWNGRADE: 409,
  SUMMARY_STALE: 500,
  OBJECT_MISSING: 404,
  REF_NOT_FOUND: 404,
  REMOTE_REF_NOT_FOUND: 404,
  PATH_NOT_FOUND: 404,
  REPO_NOT_FOUND: 404,
  REMOTE_NOT_FOUND: 404,
  SMART_UNAVAILABLE: 404,
  STALLED: 408, // the client stopped sending its body
  REF_CONFLICT: 409,
  PUSH_CONFLICT: 409,
  // History operations never run in the server; if one ever does, these are the caller's to fix.
  MERGE_CONFLICT: 409,
  LOCAL_CHANGES: 409,
  MERGE_IN_PROGRESS: 409,
  UNRELATED_HISTORIES: 400,
  NOT_A_WORKTREE: 400,
  NO_MERGE_IN_PROGRESS: 400,
  BRANCH_EXISTS: 409,
  BRANCH_NOT_MERGED: 400,
  BISECT_STATE: 400,
  NOTHING_TO_COMMIT: 400,
  WORKTREE_EXISTS: 409,
  WORKTREE_BRANCH_GONE: 404,
  REPO_EXISTS: 409,
  REMOTE_EXISTS: 409,
  TOO_LARGE: 413,
  PUSH_REJECTED: 422, // well-formed, but not acceptable: not a fast-forward, objects missing
  // The server's side: answered with a generic message, the detail goes to the log.
  REPO_LOCKED: 503,
  NO_SPACE: 507,
  NETWORK: 502,
  HTTP_STATUS: 502,
  REPO_CONFIG: 500,
  REF_CORRUPT: 500,
  FSCK_FAILED: 500,
  CHECKOUT_EXISTS: 500,
  CHECKOUT_FAILED: 500,
  PERMISSION_DENIED: 500, // the server's own user cannot read its files: not the client's 403
  GVARIANT_BAD_TYPE: 500,
  GVARIANT_BAD_VALUE: 500,
  NATIVE_MISSING: 500,
  IO: 500,
};

/** The HTTP status for an error code (500 for a code this table does not know). */
export function httpStatusFor(code: string): number {
  return (HTTP_STATUS as Record<string, number>)[code] ?? 500;
}

/** What a client reads for a server-side failure: the detail (paths, errno) stays in the log. */
const GENERIC_MESSAGES: Readonly<Record<number, string>> = {
  500: 'internal server error',
  502: 'bad gateway',
  503: 'the server is busy; retry later',
  507: 'the server is out of storage',
};

export interface ErrorBody {
  error: { code: string; message: string };
}

/** Logs a failure the client only sees as a generic message. */
export type ErrorLogger = (err: unknown, context: { method: string; path: string }) => void;

/** The status and JSON body answering `err`: typed errors keep their code; anything else is INTERNAL. */
export function errorResponse(err: unknown, hidePaths: readonly string[] = []): { status: number; body: ErrorBody; logIt: boolean } {
  if (err instanceof StoreError || err instanceof ProtocolError || err instanceof ServerError) {
    const status = httpStatusFor(err.code);
    if (status >= 500) {
      return { status, body: { error: { code: err.code, message: GENERIC_MESSAGES[status] ?? GENERIC_MESSAGES[500]! } }, logIt: status !== 503 };
    }
    return { status, body: { error: { code: err.code, message: redact(oneLine(err.message), hidePaths) } }, logIt: false };
  }
  // express's body parsers and http-errors set `status`/`statusCode` on client faults (a body too large, bad JSON).
  const status = clientStatusOf(err);
  if (status !== undefined) {
    const code = status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST';
    return { status, body: { error: { code, message: status === 413 ? 'request body too large' : 'malformed request' } }, logIt: false };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: GENERIC_MESSAGES[500]! } }, logIt: true };
}

/** Sends `err` as `{ "error": { "code", "message" } }` with its status; never a stack trace. */
export function sendError(res: Response, err: unknown, opts: { hidePaths?: readonly string[]; log?: ErrorLogger; method?: string; path?: string } = {}): void {
  const { status, body, logIt } = errorResponse(err, opts.hidePaths);
  if (logIt) opts.log?.(err, { method: opts.method ?? '', path: opts.path ?? '' });
  if (res.headersSent) {
    // Too late for a status: cut the response so the client sees it incomplete, not complete.
    res.destroy();
    return;
  }
  if (status === 503) res.setHeader('Retry-After', '1');
  res.status(status).type('application/json').setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body) + '\n');
}

/** express's error middleware over sendError. */
export function errorHandler(opts: { hidePaths?: readonly string[]; log?: ErrorLogger } = {}): ErrorRequestHandler {
  return (err, req, res, _next) => sendError(res, err, { ...opts, method: req.method, path: req.originalUrl });
}

function clientStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const s = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : undefined;
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').slice(0, 1000);
}

/** Removes the server's own folders from a message: a client has no business knowing them. */
function redact(message: string, hidePaths: readonly string[]): string {
  let out = message;
  for (const p of hidePaths) if (p.length > 1) out = out.split(p).join('<repo>');
  return out;
}
