import type { KeyObject } from 'node:crypto';
import {
  ProtocolError, TokenRejected, verifyToken, tokenAllowsOp, tokenCoversRef, tokenCoversRepo,
  type TokenOp, type TokenPayload,
} from '@osgit/protocol';
import type { RevocationList } from './revocation-list.js';

/**
 * What the server needs to check push tokens: only the PUBLIC key (a server never holds a
 * secret that could mint tokens) and the revocation list. Without a key, pushes are refused
 * outright: a server is never open for writing by default.
 */
export interface PushAuthConfig {
  publicKey: KeyObject | null;
  revoked: RevocationList | null;
}

/** The header a 401 carries (RFC 6750 §3). */
export function wwwAuthenticate(error: 'invalid_request' | 'invalid_token', description: string): string {
  return `Bearer realm="osgit", error="${error}", error_description="${description.replace(/["\\]/g, '')}"`;
}

/**
 * Checks the request's bearer token for `op` on `repo`: 401 (UNAUTHORIZED, data.wwwAuthenticate
 * set) when it is missing, malformed, badly signed, expired or revoked; 403 (FORBIDDEN) when it
 * is valid but does not cover the repository or the operation, or when this server takes no
 * pushes at all. Returns the token's claims; refs are checked per update by checkRefAccess.
 */
export async function authorize(config: PushAuthConfig, authorization: string | undefined, need: { repo: string; op: TokenOp }): Promise<TokenPayload> {
  if (!config.publicKey) {
    throw new ProtocolError('FORBIDDEN', 'this server accepts no pushes: it was started without --token-public-key', { repo: need.repo });
  }
  const unauthorized = (message: string, error: 'invalid_request' | 'invalid_token'): never => {
    throw new ProtocolError('UNAUTHORIZED', message, { wwwAuthenticate: wwwAuthenticate(error, message) });
  };
  const m = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!m) {
    return unauthorized(
      authorization ? 'the Authorization header is not "Bearer TOKEN"' : 'this needs a token: set OSGIT_TOKEN or the remote\'s osgit-token',
      'invalid_request',
    );
  }
  let payload: TokenPayload;
  try {
    payload = verifyToken(m[1]!, config.publicKey);
  } catch (err) {
    if (err instanceof TokenRejected) return unauthorized(`token refused: ${err.message}`, 'invalid_token');
    throw err;
  }
  if (config.revoked && (await config.revoked.isRevoked(payload.id))) {
    return unauthorized(`token ${payload.id} has been revoked`, 'invalid_token');
  }
  if (!tokenCoversRepo(payload, need.repo)) {
    throw new ProtocolError('FORBIDDEN', `token ${payload.id} does not cover repository ${need.repo}`, { tokenId: payload.id, repo: need.repo });
  }
  if (!tokenAllowsOp(payload, need.op)) {
    throw new ProtocolError('FORBIDDEN', `token ${payload.id} does not allow ${need.op} (it allows ${payload.ops.join(', ')})`, { tokenId: payload.id, op: need.op });
  }
  return payload;
}

/** 403 unless the token covers `ref` (and allows force when the update is forced). */
export function checkRefAccess(payload: TokenPayload, ref: string, force: boolean): void {
  if (!tokenCoversRef(payload, ref)) {
    throw new ProtocolError('FORBIDDEN', `token ${payload.id} does not cover ref ${ref} (it covers ${payload.refs.join(', ')})`, { tokenId: payload.id, ref });
  }
  if (force && !tokenAllowsOp(payload, 'force')) {
    throw new ProtocolError('FORBIDDEN', `token ${payload.id} does not allow a forced update of ${ref}`, { tokenId: payload.id, ref, op: 'force' });
  }
}
