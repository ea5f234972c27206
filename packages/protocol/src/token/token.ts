import { randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { ProtocolError } from '../errors.js';

/** What a token lets its bearer do. `force` also allows `push` (a forced push is a push). */
export type TokenOp = 'read' | 'push' | 'force';
export const TOKEN_OPS: readonly TokenOp[] = ['read', 'push', 'force'];

/**
 * A push token's claims. `repos`: repository names, or '*' for any; `refs`: ref prefixes matched
 * at '/' boundaries ('os/x86_64' and 'os/x86_64/*' both cover 'os/x86_64' and
 * 'os/x86_64/stable', never 'os/x86_64-old'), or '*' for every ref; `exp`/`iat`: Unix seconds.
 */
export interface TokenPayload {
  v: 1;
  id: string;
  repos: string[];
  refs: string[];
  ops: TokenOp[];
  exp: number;
  iat: number;
}

export interface MintTokenOptions {
  repos: readonly string[];
  refs: readonly string[];
  ops: readonly TokenOp[];
  /** expiry, Unix seconds */
  exp: number;
  /** default: a random 128-bit id */
  id?: string;
  /** default: now */
  iat?: number;
}

/** Longest token a server parses: claims are small, so anything longer is refused before any work. */
export const MAX_TOKEN_LENGTH = 16 * 1024;
const ID_RE = /^[A-Za-z0-9._-]{1,128}$/;
const SEGMENT_RE = /^[A-Za-z0-9_-]+$/;

export function isTokenId(id: string): boolean {
  return ID_RE.test(id);
}

/**
 * A signed token: `base64url(JSON claims).base64url(ed25519 signature)`, the signature over the
 * first segment's ASCII bytes exactly as sent (as JWS does), so no JSON canonical form is needed.
 */
export function mintToken(secretKey: KeyObject, opts: MintTokenOptions): { token: string; payload: TokenPayload } {
  const payload: TokenPayload = {
    v: 1,
    id: opts.id ?? randomBytes(16).toString('base64url'),
    repos: [...opts.repos],
    refs: [...opts.refs],
    ops: [...opts.ops],
    exp: opts.exp,
    iat: opts.iat ?? Math.floor(Date.now() / 1000),
  };
  checkPayload(payload);
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign(null, Buffer.from(body, 'ascii'), secretKey).toString('base64url');
  return { token: `${body}.${signature}`, payload };
}

/** Why a token was refused: each is a 401 on the server. */
export type TokenRejection = 'malformed' | 'bad-signature' | 'expired';

export class TokenRejected extends Error {
  constructor(readonly reason: TokenRejection, message: string) {
    super(message);
    this.name = 'TokenRejected';
  }
}

/**
 * Checks a token's signature with the public key, then its form and expiry (`now` in Unix
 * seconds); returns its claims. Throws TokenRejected, never anything else, whatever the input.
 */
export function verifyToken(token: string, publicKey: KeyObject, now = Date.now() / 1000): TokenPayload {
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejected('malformed', 'token too long');
  const parts = token.split('.');
  if (parts.length !== 2 || !SEGMENT_RE.test(parts[0]!) || !SEGMENT_RE.test(parts[1]!)) {
    throw new TokenRejected('malformed', 'not a token (expected two base64url parts joined by a dot)');
  }
  const [body, signature] = parts as [string, string];
  let good = false;
  try {
    good = verify(null, Buffer.from(body, 'ascii'), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    good = false;
  }
  if (!good) throw new TokenRejected('bad-signature', 'token signature does not verify with the server key');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new TokenRejected('malformed', 'token claims are not JSON');
  }
  try {
    checkPayload(payload);
  } catch (err) {
    throw new TokenRejected('malformed', (err as Error).message);
  }
  if (payload.exp <= now) throw new TokenRejected('expired', `token ${payload.id} expired at ${new Date(payload.exp * 1000).toISOString()}`);
  return payload;
}

/** Reads a token's claims without checking its signature (for display on the client side only). */
export function decodeTokenUnverified(token: string): TokenPayload {
  const body = token.split('.')[0] ?? '';
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    checkPayload(payload);
  } catch (cause) {
    throw new ProtocolError('TOKEN_INVALID', 'not an osgit token', {}, { cause });
  }
  return payload;
}

function checkPayload(p: unknown): asserts p is TokenPayload {
  const bad = (what: string): never => {
    throw new ProtocolError('TOKEN_INVALID', `token claims: ${what}`);
  };
  if (typeof p !== 'object' || p === null || Array.isArray(p)) bad('not an object');
  const o = p as Record<string, unknown>;
  if (o.v !== 1) bad('unknown version');
  if (typeof o.id !== 'string' || !isTokenId(o.id)) bad('id must be 1-128 of [A-Za-z0-9._-]');
  const strings = (v: unknown, what: string): void => {
    if (!Array.isArray(v) || v.length === 0 || v.length > 256 || !v.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 512)) {
      bad(`${what} must be a non-empty list of names`);
    }
  };
  strings(o.repos, 'repos');
  strings(o.refs, 'refs');
  strings(o.ops, 'ops');
  if (!(o.ops as string[]).every((op) => (TOKEN_OPS as string[]).includes(op))) bad(`ops must be among ${TOKEN_OPS.join(', ')}`);
  for (const f of ['exp', 'iat'] as const) if (!Number.isSafeInteger(o[f]) || (o[f] as number) < 0) bad(`${f} must be Unix seconds`);
}
