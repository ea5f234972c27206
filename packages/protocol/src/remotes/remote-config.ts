import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { KeyFile, StoreError, atomicWriteFile, fsError, type Repo } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { loadTrustedKeys } from '../trust/sign-api.js';
import { publicKeyring, remoteKeyringPath } from './remote-keyring.js';
import { type Remote, checkRemoteName, checkRemoteOption, checkRemoteUrl, readRemote, remoteGroup, remoteNames } from './remote.js';

/**
 * Remotes in the repo's `config` file, where `ostree remote list` finds them and where osgit
 * finds the ones ostree added. The file is read afresh for every call (not the copy the Repo
 * loaded when it opened), and written whole and atomically (temp file, fsync, rename), keeping
 * every other line byte-for-byte (KeyFile).
 */

async function readConfig(repo: Repo): Promise<KeyFile> {
  const path = join(repo.path, 'config');
  try {
    return new KeyFile(await fs.readFile(path, 'utf8'));
  } catch (cause) {
    throw fsError(cause, { action: 'cannot read the repository config', path, code: 'REPO_CONFIG' });
  }
}

async function writeConfig(repo: Repo, config: KeyFile): Promise<void> {
  const path = join(repo.path, 'config');
  try {
    await atomicWriteFile(path, config.toString(), { fsync: repo.fsync });
  } catch (cause) {
    throw fsError(cause, { action: 'cannot write the repository config', path, code: 'REPO_CONFIG' });
  }
}

/** Every remote of the repository, in config order. */
export async function listRemotes(repo: Repo): Promise<Remote[]> {
  const config = await readConfig(repo);
  return remoteNames(config).map((name) => readRemote(config, name)!);
}

/** Remote `name`; REMOTE_NOT_FOUND if the config has no such group. */
export async function getRemote(repo: Repo, name: string): Promise<Remote> {
  checkRemoteName(name);
  const remote = readRemote(await readConfig(repo), name);
  if (!remote) {
    throw new ProtocolError('REMOTE_NOT_FOUND', `no remote named ${name} (see 'osgit remote list')`, { remote: name });
  }
  return remote;
}

export interface AddRemoteOptions {
  name: string;
  url: string;
  /** false writes `gpg-verify=false`, as `ostree remote add --no-gpg-verify` does */
  gpgVerify?: boolean;
  /** written as `branches=a;b;` */
  branches?: readonly string[];
  /** further keys (`--set KEY=VALUE`), OSTree's or osgit's, in order */
  set?: ReadonlyArray<readonly [string, string]>;
  /** an existing remote of that name is left as it is instead of REMOTE_EXISTS */
  ifNotExists?: boolean;
  /** trust settings, written as OSTree's keys (see RemoteTrustOptions) */
  trust?: RemoteTrustOptions;
}

/** `remote add` flags for what pulls verify; written as the keys `ostree remote add` writes. */
export interface RemoteTrustOptions {
  /** `sign-verify=true`: commits must carry a valid ed25519 signature (needs a key or a key file) */
  signVerify?: 'ed25519';
  /** `verification-ed25519-key=`: one base64 public key */
  verificationKey?: string;
  /** `verification-ed25519-file=` (absolute path written): a file of base64 public keys, one a line */
  verificationFile?: string;
  /** `sign-verify-summary=true` */
  signVerifySummary?: boolean;
  /** `gpg-verify-summary=true` */
  gpgVerifySummary?: boolean;
  /** keyring files (armored or binary) whose public keys become `<repo>/NAME.trustedkeys.gpg` */
  gpgImport?: readonly string[];
  /** `osgit-max-summary-age=SECONDS` */
  maxSummaryAgeSecs?: number;
}

/**
 * Adds a remote in ostree's key order (url, branches, the --set keys, gpg-verify). Validates
 * everything before it writes anything. Returns whether it added one (false: --if-not-exists
 * found one).
 */
export async function addRemote(repo: Repo, opts: AddRemoteOptions): Promise<{ added: boolean; remote: Remote }> {
  checkRemoteName(opts.name);
  checkRemoteUrl(opts.url);
  const keys: Array<[string, string]> = [['url', opts.url]];
  if (opts.branches && opts.branches.length > 0) keys.push(['branches', opts.branches.map((b) => `${b};`).join('')]);
  for (const [k, v] of opts.set ?? []) keys.push([k, v]);
  if (opts.gpgVerify === false) keys.push(['gpg-verify', 'false']);
  keys.push(...(await trustKeys(opts.trust ?? {})));
  for (const [k, v] of keys) checkRemoteOption(k, v, opts.name);
  // Read (and refused, KEY_INVALID) before anything is written.
  const keyring = opts.trust?.gpgImport && opts.trust.gpgImport.length > 0 ? await publicKeyring(opts.trust.gpgImport) : null;

  const config = await readConfig(repo);
  const existing = readRemoteOrNull(config, opts.name);
  if (existing || config.groups().includes(remoteGroup(opts.name))) {
    if (opts.ifNotExists && existing) return { added: false, remote: existing };
    throw new ProtocolError('REMOTE_EXISTS', `remote ${opts.name} already exists (pass --if-not-exists to keep it, or delete it first)`, { remote: opts.name });
  }
  for (const [k, v] of keys) config.set(remoteGroup(opts.name), k, v);
  // The keyring first: a remote that asks for verification never exists without its keys.
  if (keyring) await atomicWriteFile(remoteKeyringPath(repo, opts.name), keyring, { fsync: repo.fsync });
  await writeConfig(repo, config);
  return { added: true, remote: readRemote(config, opts.name)! };
}

/** Removes a remote's group. REMOTE_NOT_FOUND unless `ifExists`; returns whether it removed one. */
export async function deleteRemote(repo: Repo, name: string, opts: { ifExists?: boolean } = {}): Promise<boolean> {
  checkRemoteName(name);
  const config = await readConfig(repo);
  if (!config.groups().includes(remoteGroup(name))) {
    if (opts.ifExists) return false;
    throw new ProtocolError('REMOTE_NOT_FOUND', `no remote named ${name} (see 'osgit remote list')`, { remote: name });
  }
  config.removeGroup(remoteGroup(name));
  await writeConfig(repo, config);
  // As `ostree remote delete`: the remote's keyring goes with it (a later remote of that name must not inherit its keys).
  await fs.rm(remoteKeyringPath(repo, name), { force: true });
  return true;
}

/**
 * The config keys of the trust flags, in the order ostree writes them, each checked: a key that
 * is not one is KEY_INVALID; a verification without a key, or a key without a verification, is
 * INVALID_ARGUMENT. Nothing is written here.
 */
async function trustKeys(t: RemoteTrustOptions): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  const hasKey = t.verificationKey !== undefined || t.verificationFile !== undefined;
  if ((t.signVerify !== undefined || t.signVerifySummary) && !hasKey) {
    throw new StoreError('INVALID_ARGUMENT', 'ed25519 verification needs --verification-key B64 or --verification-file FILE');
  }
  if (hasKey && t.signVerify === undefined && !t.signVerifySummary) {
    throw new StoreError('INVALID_ARGUMENT', 'a verification key needs --sign-verify ed25519 (commits) or --sign-verify-summary');
  }
  if (t.signVerify !== undefined && t.signVerify !== 'ed25519') {
    throw new StoreError('INVALID_ARGUMENT', `unknown signature type ${JSON.stringify(t.signVerify)} (osgit verifies ed25519 and, through gpg-verify, OpenPGP)`);
  }
  if (t.verificationKey !== undefined) {
    await loadTrustedKeys({ ed25519Keys: [t.verificationKey] }); // KEY_INVALID
    out.push(['verification-ed25519-key', t.verificationKey]);
  }
  if (t.verificationFile !== undefined) {
    const file = resolve(t.verificationFile);
    await loadTrustedKeys({ ed25519Files: [file] }); // KEY_INVALID
    out.push(['verification-ed25519-file', file]);
  }
  if (t.signVerify) out.push(['sign-verify', 'true']);
  if (t.signVerifySummary) out.push(['sign-verify-summary', 'true']);
  if (t.gpgVerifySummary) out.push(['gpg-verify-summary', 'true']);
  if (t.maxSummaryAgeSecs !== undefined) {
    if (!Number.isInteger(t.maxSummaryAgeSecs) || t.maxSummaryAgeSecs <= 0) {
      throw new StoreError('INVALID_ARGUMENT', `the maximum summary age must be a positive number of seconds, not ${t.maxSummaryAgeSecs}`);
    }
    out.push(['osgit-max-summary-age', String(t.maxSummaryAgeSecs)]);
  }
  return out;
}

/** A remote group that cannot be read (no url) still blocks a new one of the same name. */
function readRemoteOrNull(config: KeyFile, name: string): Remote | null {
  try {
    return readRemote(config, name);
  } catch {
    return null;
  }
}
