/**
 * Typed errors of @osgit/protocol (remotes, transfers). Every error carries a stable `code`,
 * the data needed to act on it (url, status, checksum…), and its `cause`. The CLI maps codes to
 * exit statuses, the server to HTTP statuses, each in one table.
 */
export type ProtocolErrorCode =
  | 'REMOTE_NOT_FOUND' // no remote of that name in the repository's config
  | 'REMOTE_EXISTS' // `remote add` of a name that is already configured
  | 'REMOTE_INVALID' // a remote name or URL that is not allowed
  | 'NETWORK' // the server could not be reached, or kept failing after every retry
  | 'STALLED' // a transfer sent no byte for the configured time, on every retry
  | 'HTTP_STATUS' // the server answered with an unexpected status (data: url, status)
  | 'REMOTE_REF_NOT_FOUND' // the remote has no such ref
  | 'BAD_OBJECT' // the server sent an object that fails verification (checksum, form, names)
  | 'BAD_RESPONSE' // the server sent something that is not the protocol (truncated, malformed)
  | 'UNAUTHORIZED' // no token, or a token that is invalid, expired or revoked (HTTP 401)
  | 'FORBIDDEN' // a valid token without the right for this repo, ref or operation (HTTP 403)
  | 'PUSH_REJECTED' // the server refused the push (not a fast-forward, disconnected objects…)
  | 'PUSH_CONFLICT' // a ref moved on the server since the push read it (compare-and-swap lost)
  | 'SMART_UNAVAILABLE' // --protocol smart against a server without /osgit/v1/
  | 'TOO_LARGE' // a request or object over the server's limits (HTTP 413)
  | 'TOKEN_INVALID' // a token or token key that cannot be parsed
  | 'REF_BINDING' // a commit's ostree.ref-binding does not name the ref it was pulled for
  | 'DOWNGRADE' // a pull would move a ref to an older commit (by timestamp) without --allow-downgrade
  | 'SUMMARY_STALE'; // a verified summary past its ostree.summary.expires, or older than the remote's max age

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: ProtocolErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
    this.data = data;
  }
}

/** True when `err` is a ProtocolError with the given code (or any ProtocolError when no code is given). */
export function isProtocolError(err: unknown, code?: ProtocolErrorCode): err is ProtocolError {
  return err instanceof ProtocolError && (code === undefined || err.code === code);
}
