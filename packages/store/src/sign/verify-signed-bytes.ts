import { StoreError } from '../errors.js';
import { parseDetachedMetadata, signaturesUnder } from './detached-metadata.js';
import { ED25519_SIGNATURE_BYTES, ed25519PublicKeyObject, ed25519Verify } from './ed25519.js';
import { loadOpenPgp } from './openpgp-module.js';
import { ED25519_SIGNATURES_KEY, GPG_SIGNATURES_KEY } from './signature-metadata-keys.js';
import type { TrustedKeys } from './trusted-keys.js';

export interface SignatureCheck {
  type: 'ed25519' | 'gpg';
  /** base64 public key (ed25519) or OpenPGP fingerprint / key id (gpg); '' if unknown. */
  key: string;
  valid: boolean;
  error?: string;
  /** ISO time the signature was made (gpg only). */
  created?: string;
}

export interface SignatureReport {
  /** At least one signature verifies with a trusted key (and no ed25519 signature is malformed). */
  valid: boolean;
  checks: SignatureCheck[];
}

/**
 * Checks the signatures in `detached` (the `a{sv}` of a `.commitmeta` or `summary.sig`) over
 * `data` (raw commit or summary bytes), reference §5.3. Only kinds `keys` holds keys for are
 * checked (`ostree.sign.ed25519`, `ostree.gpgsigs`); any one valid signature suffices, except that
 * an ed25519 signature that is not 64 bytes fails the whole check (OSTree: hard error).
 * Never throws for a bad signature: every verdict is in the report.
 */
export async function verifySignedBytes(data: Buffer, detached: Buffer | null, keys: TrustedKeys): Promise<SignatureReport> {
  const checks: SignatureCheck[] = [];
  let entries;
  try {
    entries = detached && detached.length > 0 ? parseDetachedMetadata(detached, 'the signed data') : [];
  } catch (err) {
    const error = (err as Error).message;
    if (keys.ed25519.length > 0) checks.push({ type: 'ed25519', key: '', valid: false, error });
    if (gpgKeys(keys).length > 0) checks.push({ type: 'gpg', key: '', valid: false, error });
    return { valid: false, checks };
  }
  let malformed = false;
  if (keys.ed25519.length > 0) {
    const sigs = signaturesUnder(entries, ED25519_SIGNATURES_KEY);
    if (sigs === null) {
      malformed = true;
      checks.push({ type: 'ed25519', key: '', valid: false, error: `${ED25519_SIGNATURES_KEY} is not of type aay` });
    } else {
      for (const sig of sigs) {
        const check = checkEd25519(data, sig, keys.ed25519);
        if (check.error?.startsWith('invalid signature length')) malformed = true;
        checks.push(check);
      }
    }
  }
  const trustedGpg = gpgKeys(keys);
  if (trustedGpg.length > 0) {
    const sigs = signaturesUnder(entries, GPG_SIGNATURES_KEY);
    if (sigs === null) checks.push({ type: 'gpg', key: '', valid: false, error: `${GPG_SIGNATURES_KEY} is not of type aay` });
    else for (const sig of sigs) checks.push(...(await checkGpg(data, sig, trustedGpg)));
  }
  return { valid: !malformed && checks.some((c) => c.valid), checks };
}

function checkEd25519(data: Buffer, sig: Uint8Array, trusted: Buffer[]): SignatureCheck {
  if (sig.length !== ED25519_SIGNATURE_BYTES) {
    return { type: 'ed25519', key: '', valid: false, error: `invalid signature length of ${sig.length} bytes, expected ${ED25519_SIGNATURE_BYTES}` };
  }
  for (const pub of trusted) {
    if (ed25519Verify(data, sig, ed25519PublicKeyObject(pub))) return { type: 'ed25519', key: pub.toString('base64'), valid: true };
  }
  return {
    type: 'ed25519', key: '', valid: false,
    error: `does not verify with any of the ${trusted.length} trusted ed25519 key(s) (${trusted.map((k) => k.toString('base64')).join(', ')})`,
  };
}

function gpgKeys(keys: TrustedKeys): import('openpgp').Key[] {
  return (keys.gpg as import('openpgp').Key[] | null) ?? [];
}

/** One check per signature packet in an `ostree.gpgsigs` element (normally one). */
async function checkGpg(data: Buffer, sigBytes: Uint8Array, trusted: import('openpgp').Key[]): Promise<SignatureCheck[]> {
  const openpgp = await loadOpenPgp();
  let signature;
  try {
    signature = await openpgp.readSignature({ binarySignature: sigBytes });
  } catch (err) {
    return [{ type: 'gpg', key: '', valid: false, error: `not an OpenPGP signature: ${(err as Error).message}` }];
  }
  const message = await openpgp.createMessage({ binary: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  const result = await openpgp.verify({ message, signature, verificationKeys: trusted, format: 'binary', expectSigned: false });
  const checks: SignatureCheck[] = [];
  for (const s of result.signatures) {
    const signer = trusted.find((k) => k.getKeys(s.keyID).length > 0);
    const key = signer ? signer.getFingerprint().toUpperCase() : s.keyID.toHex().toUpperCase();
    let created: string | undefined;
    try {
      const packet = (await s.signature).packets[0];
      if (packet?.created) created = packet.created.toISOString();
    } catch { /* no creation time to report */ }
    try {
      await s.verified;
      checks.push({ type: 'gpg', key, valid: true, ...(created ? { created } : {}) });
    } catch (err) {
      const why = signer ? (err as Error).message : `key ${key} is not in the trusted keyring`;
      checks.push({ type: 'gpg', key, valid: false, error: why, ...(created ? { created } : {}) });
    }
  }
  if (checks.length === 0) checks.push({ type: 'gpg', key: '', valid: false, error: 'no signature packet' });
  return checks;
}

/**
 * Throws unless `report` holds a valid signature: SIGNATURE_MISSING when there is no signature
 * of a kind we hold keys for, SIGNATURE_INVALID otherwise (the message names each failure).
 */
export function requireValidSignature(report: SignatureReport, what: string, data: Record<string, unknown> = {}): void {
  if (report.valid) return;
  const all = { what, checks: report.checks, ...data };
  if (report.checks.length === 0) {
    throw new StoreError('SIGNATURE_MISSING', `${what} is not signed by a kind of key we trust (no ${ED25519_SIGNATURES_KEY} / ${GPG_SIGNATURES_KEY} signature to check)`, all);
  }
  const reasons = report.checks.map((c) => `${c.type} signature${c.key ? ` by ${c.key}` : ''}: ${c.valid ? 'valid, but another signature is malformed' : c.error}`);
  throw new StoreError('SIGNATURE_INVALID', `${what}: no valid signature by a trusted key; ${reasons.join('; ')}`, all);
}
