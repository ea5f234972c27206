import type { TokenOp, TokenPayload } from './token.js';

/**
 * True if the ref pattern covers `ref`: '*' covers every ref; 'a/b' and 'a/b/*' cover 'a/b' and
 * everything below it, matched at '/' boundaries ('os/x86_64' does not cover 'os/x86_64-old').
 */
export function refPatternMatches(pattern: string, ref: string): boolean {
  if (pattern === '*') return true;
  const prefix = pattern.endsWith('/*') ? pattern.slice(0, -2) : pattern;
  if (prefix.length === 0) return false;
  return ref === prefix || ref.startsWith(prefix + '/');
}

export function tokenCoversRepo(payload: TokenPayload, repo: string): boolean {
  return payload.repos.includes('*') || payload.repos.includes(repo);
}

export function tokenCoversRef(payload: TokenPayload, ref: string): boolean {
  return payload.refs.some((p) => refPatternMatches(p, ref));
}

/** `force` implies `push`; nothing else implies anything. */
export function tokenAllowsOp(payload: TokenPayload, op: TokenOp): boolean {
  if (payload.ops.includes(op)) return true;
  return op === 'push' && payload.ops.includes('force');
}
