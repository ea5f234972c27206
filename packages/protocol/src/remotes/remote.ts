import { KeyFile, isStoreError, validateRemoteName } from '@osgit/store';
import { ProtocolError } from '../errors.js';

/**
 * A remote as the repo config describes it: a `[remote "NAME"]` group with OSTree's keys (see
 * reference/ostree-formats.md §1.1: url, gpg-verify, branches, contenturl, …) and osgit's own
 * keys beside them (`osgit-…`, which ostree ignores). Pure: KeyFile in, values out.
 */
export interface Remote {
  name: string;
  url: string;
  /** OSTree's default is true when the key is absent */
  gpgVerify: boolean;
  /** `branches=a;b;` */
  branches: string[];
  contentUrl?: string;
  /** `osgit-token=`: bearer token for pushes (OSGIT_TOKEN overrides it) */
  token?: string;
  /** `osgit-stall-timeout-secs=`: a transfer with no byte for this long is abandoned and retried */
  stallTimeoutSecs?: number;
  /** `osgit-protocol=auto|smart|dumb` */
  protocol?: RemoteProtocol;
  /** what pulls from this remote must verify (OSTree's keys, and osgit's summary age) */
  trust: RemoteTrust;
  /** every key of the group as written, OSTree's and osgit's */
  options: Record<string, string>;
}

/**
 * A remote's trust settings, OSTree's keys as ostree reads them (reference §5.3), so that
 * `ostree pull` and `osgit pull` verify the same things from one config.
 */
export interface RemoteTrust {
  /** `gpg-verify=` (OSTree's default: true). Commits must carry a valid OpenPGP signature from the remote's keyring; without a keyring osgit verifies nothing and says so */
  gpgVerify: boolean;
  /** `gpg-verify-summary=` (default false): summary.sig must carry a valid OpenPGP signature */
  gpgVerifySummary: boolean;
  /** `sign-verify=` (default false): commits must carry a valid ed25519 signature (`ostree.sign.ed25519`) */
  signVerify: boolean;
  /** `sign-verify-summary=` (default false): summary.sig must carry a valid ed25519 signature */
  signVerifySummary: boolean;
  /** `verification-ed25519-key=`: one base64 public key */
  ed25519Key?: string;
  /** `verification-ed25519-file=`: a file of base64 public keys, one a line */
  ed25519File?: string;
  /** `gpgkeypath=`: further keyring files (`;` or `,` separated), besides `<repo>/<remote>.trustedkeys.gpg` */
  gpgKeyPaths: string[];
  /** `osgit-max-summary-age=SECONDS`: a verified summary whose ostree.summary.last-modified is older is SUMMARY_STALE */
  maxSummaryAgeSecs?: number;
}

/** The boolean keys of a remote's trust settings (each true or false, as GKeyFile spells booleans). */
export const TRUST_BOOLEAN_KEYS = ['gpg-verify', 'gpg-verify-summary', 'sign-verify', 'sign-verify-summary'] as const;

export type RemoteProtocol = 'auto' | 'smart' | 'dumb';
export const REMOTE_PROTOCOLS: readonly RemoteProtocol[] = ['auto', 'smart', 'dumb'];

/** The config group of a remote, spelt as GKeyFile and ostree spell it. */
export function remoteGroup(name: string): string {
  return `remote "${name}"`;
}

/** The remote names of a config, in file order. */
export function remoteNames(config: KeyFile): string[] {
  const out: string[] = [];
  for (const g of config.groups()) {
    const m = /^remote "(.*)"$/.exec(g);
    if (m && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out;
}

/** Reads remote `name` from a config, or null if it has no such group. */
export function readRemote(config: KeyFile, name: string): Remote | null {
  const group = remoteGroup(name);
  if (!config.groups().includes(group)) return null;
  const options = Object.fromEntries(config.entries(group));
  const url = options.url;
  if (url === undefined) {
    throw new ProtocolError('REMOTE_INVALID', `remote ${name} has no url in the repository config`, { remote: name });
  }
  const remote: Remote = {
    name,
    url,
    gpgVerify: config.getBoolean(group, 'gpg-verify', true),
    branches: (options.branches ?? '').split(';').filter((b) => b !== ''),
    options,
    trust: readTrust(options, name),
  };
  if (options.contenturl !== undefined) remote.contentUrl = options.contenturl;
  if (options['osgit-token'] !== undefined) remote.token = options['osgit-token'];
  if (options['osgit-stall-timeout-secs'] !== undefined) {
    remote.stallTimeoutSecs = parseStallTimeout(options['osgit-stall-timeout-secs'], name);
  }
  if (options['osgit-protocol'] !== undefined) remote.protocol = parseProtocol(options['osgit-protocol'], name);
  return remote;
}

/** Refuses a remote name OSTree refuses (one ref fragment), as REMOTE_INVALID. */
export function checkRemoteName(name: string): void {
  try {
    validateRemoteName(name);
  } catch (err) {
    if (isStoreError(err)) {
      throw new ProtocolError('REMOTE_INVALID', `invalid remote name ${JSON.stringify(name)} (letters, digits, '-', '.', '_'; not starting with '-' or '.')`, { remote: name }, { cause: err });
    }
    throw err;
  }
}

/**
 * Refuses a URL osgit cannot pull from: only http:// and https:// (ostree also takes file://,
 * which osgit's HTTP transport does not; serve the folder with `osgit serve` instead).
 */
export function checkRemoteUrl(url: string, what = 'url'): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ProtocolError('REMOTE_INVALID', `${what} ${JSON.stringify(url)} is not a URL`, { url }, { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ProtocolError('REMOTE_INVALID', `${what} ${JSON.stringify(url)}: only http:// and https:// remotes are supported`, { url });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ProtocolError('REMOTE_INVALID', `${what} must not carry credentials (use osgit-token=)`, { url: `${parsed.protocol}//${parsed.host}${parsed.pathname}` });
  }
}

/** Checks one `KEY=VALUE` of a remote: keys osgit reads are parsed, every value must fit on one config line. */
export function checkRemoteOption(key: string, value: string, remote: string): void {
  if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(key)) {
    throw new ProtocolError('REMOTE_INVALID', `invalid remote option name ${JSON.stringify(key)}`, { remote, key });
  }
  // GKeyFile escapes (\n, \s…) are not written: a value is kept verbatim, so it must be plain.
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f\\]/.test(value) || value !== value.trim()) {
    throw new ProtocolError('REMOTE_INVALID', `remote option ${key}: value has control characters, a backslash or surrounding spaces`, { remote, key });
  }
  if (key === 'url' || key === 'contenturl') checkRemoteUrl(value, key);
  if (key === 'osgit-stall-timeout-secs') parseStallTimeout(value, remote);
  if (key === 'osgit-protocol') parseProtocol(value, remote);
  if ((TRUST_BOOLEAN_KEYS as readonly string[]).includes(key) && value !== 'true' && value !== 'false') {
    throw new ProtocolError('REMOTE_INVALID', `remote option ${key} must be true or false, not ${JSON.stringify(value)}`, { remote, key });
  }
  if (key === 'osgit-max-summary-age') parseMaxSummaryAge(value, remote);
}

function readTrust(options: Record<string, string>, name: string): RemoteTrust {
  // Strict, unlike GKeyFile's lenient reading elsewhere: a typo (`sign-verify=yes`) must not turn verification off.
  const bool = (key: string, dflt: boolean): boolean => {
    const v = options[key];
    if (v === undefined) return dflt;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new ProtocolError('REMOTE_INVALID', `remote ${name}: ${key} must be true or false, not ${JSON.stringify(v)}`, { remote: name, key });
  };
  const trust: RemoteTrust = {
    gpgVerify: bool('gpg-verify', true),
    gpgVerifySummary: bool('gpg-verify-summary', false),
    signVerify: bool('sign-verify', false),
    signVerifySummary: bool('sign-verify-summary', false),
    gpgKeyPaths: (options.gpgkeypath ?? '').split(/[;,]/).map((p) => p.trim()).filter((p) => p !== ''),
  };
  if (options['verification-ed25519-key'] !== undefined) trust.ed25519Key = options['verification-ed25519-key'];
  if (options['verification-ed25519-file'] !== undefined) trust.ed25519File = options['verification-ed25519-file'];
  if (options['osgit-max-summary-age'] !== undefined) trust.maxSummaryAgeSecs = parseMaxSummaryAge(options['osgit-max-summary-age'], name);
  return trust;
}

function parseMaxSummaryAge(text: string, remote: string): number {
  if (!/^\d+$/.test(text) || !(Number(text) > 0)) {
    throw new ProtocolError('REMOTE_INVALID', `remote ${remote}: osgit-max-summary-age must be a positive whole number of seconds, not ${JSON.stringify(text)}`, { remote });
  }
  return Number(text);
}

function parseStallTimeout(text: string, remote: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) {
    throw new ProtocolError('REMOTE_INVALID', `remote ${remote}: osgit-stall-timeout-secs must be a positive number of seconds, not ${JSON.stringify(text)}`, { remote });
  }
  return n;
}

function parseProtocol(text: string, remote: string): RemoteProtocol {
  if (!(REMOTE_PROTOCOLS as readonly string[]).includes(text)) {
    throw new ProtocolError('REMOTE_INVALID', `remote ${remote}: osgit-protocol must be auto, smart or dumb, not ${JSON.stringify(text)}`, { remote });
  }
  return text as RemoteProtocol;
}
