// Push tokens: ed25519-signed claims (repos, ref prefixes, operations, expiry). See token.ts.
export { type TokenPayload, type TokenOp, type MintTokenOptions, type TokenRejection, TOKEN_OPS, MAX_TOKEN_LENGTH, TokenRejected, mintToken, verifyToken, decodeTokenUnverified, isTokenId } from './token.js';
export { type TokenKeyPair, generateTokenKeys, parseSecretKey, parsePublicKey } from './keys.js';
export { refPatternMatches, tokenCoversRepo, tokenCoversRef, tokenAllowsOp } from './scope.js';
export { parseExpiry } from './expiry.js';
