/**
 * Typed errors of the HTTP server itself (what is wrong with a request before any store or
 * protocol code sees it). Every code has its HTTP status in http-status.ts.
 */
export type ServerErrorCode =
  | 'NOT_FOUND' // no such route, repository or servable file
  | 'METHOD_NOT_ALLOWED' // e.g. PUT on a dumb file
  | 'BAD_REQUEST' // a malformed URL (bad percent-encoding, NUL), header or body
  | 'RANGE_NOT_SATISFIABLE' // a Range that starts past the end of the file
  | 'BUSY' // over the concurrent-request limit, or shutting down (503 + Retry-After)
  | 'INTERNAL'; // anything unforeseen: logged, answered with a generic message

export class ServerError extends Error {
  readonly code: ServerErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: ServerErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerError';
    this.code = code;
    this.data = data;
  }
}

export function isServerError(err: unknown, code?: ServerErrorCode): err is ServerError {
  return err instanceof ServerError && (code === undefined || err.code === code);
}
