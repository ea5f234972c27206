import { Flags } from '@oclif/core';
import type { RemoteTrustOptions } from '@osgit/protocol';
import { parseDurationSecs } from './duration-secs.js';

/**
 * The flags that say what pulls from a remote verify, shared by `remote add` and `mirror` (which
 * adds its origin as a remote): OSTree's keys, written as `ostree remote add` writes them.
 */
export const trustFlags = {
  'sign-verify': Flags.string({ description: 'commits must carry a valid signature of this type (sign-verify=true); needs --verification-key or --verification-file', options: ['ed25519'] }),
  'verification-key': Flags.string({ description: 'base64 ed25519 public key (verification-ed25519-key=)' }),
  'verification-file': Flags.string({ description: 'file of base64 ed25519 public keys, one a line (verification-ed25519-file=)' }),
  'sign-verify-summary': Flags.boolean({ description: 'summary.sig must carry a valid ed25519 signature (sign-verify-summary=true)' }),
  'gpg-import': Flags.string({ description: 'OpenPGP public keys (armored or binary) to trust: written as REPO/NAME.trustedkeys.gpg, as ostree does (repeatable)', multiple: true, multipleNonGreedy: true }),
  'gpg-verify-summary': Flags.boolean({ description: 'summary.sig must carry a valid OpenPGP signature (gpg-verify-summary=true)' }),
  'max-summary-age': Flags.string({ description: 'refuse a verified summary older than this (ostree.summary.last-modified): 3600, 90m, 12h, 3d, 1w (osgit-max-summary-age=SECONDS)' }),
};

/** The parsed values of trustFlags. */
export interface TrustFlagValues {
  'sign-verify'?: string | undefined;
  'verification-key'?: string | undefined;
  'verification-file'?: string | undefined;
  'sign-verify-summary'?: boolean | undefined;
  'gpg-import'?: string[] | undefined;
  'gpg-verify-summary'?: boolean | undefined;
  'max-summary-age'?: string | undefined;
}

/** The trust options the flags ask for (checked by addRemote before it writes anything). */
export function trustOptions(flags: TrustFlagValues): RemoteTrustOptions {
  return {
    ...(flags['sign-verify'] ? { signVerify: flags['sign-verify'] as 'ed25519' } : {}),
    ...(flags['verification-key'] !== undefined ? { verificationKey: flags['verification-key'] } : {}),
    ...(flags['verification-file'] !== undefined ? { verificationFile: flags['verification-file'] } : {}),
    ...(flags['sign-verify-summary'] ? { signVerifySummary: true } : {}),
    ...(flags['gpg-verify-summary'] ? { gpgVerifySummary: true } : {}),
    ...(flags['gpg-import'] ? { gpgImport: flags['gpg-import'] } : {}),
    ...(flags['max-summary-age'] !== undefined ? { maxSummaryAgeSecs: parseDurationSecs(flags['max-summary-age'], '--max-summary-age') } : {}),
  };
}
