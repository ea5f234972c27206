import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { loadTrustedKeys, type TrustedKeys } from '../trust/sign-api.js';
import { getRemote } from './remote-config.js';
import { remoteKeyringPath } from './remote-keyring.js';
import type { Remote } from './remote.js';

/**
 * What pulls from a remote verify, from its trust settings (remote.ts): the key sets commits
 * must verify with and those the summary must verify with. Each entry of a list is one kind
 * (OpenPGP, ed25519) that must pass on its own, as ostree requires both when both are enabled.
 * null: that thing is not verified.
 */
export interface RemoteVerification {
  commits: TrustedKeys[] | null;
  summary: TrustedKeys[] | null;
  /** every trusted key loaded (both kinds), for remoteTrustedKeys */
  all: TrustedKeys;
  /** said on every pull that verifies no commit: why nothing was verified */
  warning: string | null;
}

/**
 * The keys a remote trusts (its `.trustedkeys.gpg`, `gpgkeypath=`, `verification-ed25519-key/file=`),
 * or null when the remote verifies nothing. Mirror and repair reuse it; pulls verify by themselves.
 */
export async function remoteTrustedKeys(repo: Repo, remote: string | Remote): Promise<TrustedKeys | null> {
  const v = await remoteVerification(repo, typeof remote === 'string' ? await getRemote(repo, remote) : remote);
  return v.commits || v.summary ? v.all : null;
}

/**
 * Decides what a pull from `remote` verifies. gpg-verify is OSTree's default (true) but means
 * nothing without keys: a remote with gpg-verify=true and no keyring verifies no commit, and the
 * pull warns. Asking for a verification that has no keys (sign-verify=true without an ed25519
 * key, gpg-verify-summary=true without a keyring) is REMOTE_INVALID: refusing is safer than
 * silently verifying nothing. A key that cannot be read is the store's KEY_INVALID.
 */
export async function remoteVerification(repo: Repo, remote: Remote): Promise<RemoteVerification> {
  const t = remote.trust;
  const keyrings = await existingKeyrings(repo, remote);
  const ed25519Wanted = t.signVerify || t.signVerifySummary;
  const gpgWanted = (t.gpgVerify || t.gpgVerifySummary) && keyrings.length > 0;
  if (ed25519Wanted && t.ed25519Key === undefined && t.ed25519File === undefined) {
    const key = t.signVerify ? 'sign-verify' : 'sign-verify-summary';
    throw new ProtocolError('REMOTE_INVALID', `remote ${remote.name} has ${key}=true but no verification-ed25519-key or verification-ed25519-file`, { remote: remote.name, key });
  }
  if (t.gpgVerifySummary && keyrings.length === 0) {
    throw new ProtocolError('REMOTE_INVALID', `remote ${remote.name} has gpg-verify-summary=true but no keyring (${remoteKeyringPath(repo, remote.name)} or gpgkeypath=)`, { remote: remote.name, key: 'gpg-verify-summary' });
  }
  const all = ed25519Wanted || gpgWanted
    ? await loadTrustedKeys({
      ...(ed25519Wanted && t.ed25519Key !== undefined ? { ed25519Keys: [t.ed25519Key] } : {}),
      ...(ed25519Wanted && t.ed25519File !== undefined ? { ed25519Files: [t.ed25519File] } : {}),
      ...(gpgWanted ? { gpgKeyrings: keyrings } : {}),
    })
    : { ed25519: [], gpg: null };
  const ed: TrustedKeys = { ed25519: all.ed25519, gpg: null };
  const gpg: TrustedKeys = { ed25519: [], gpg: all.gpg };
  const pick = (useEd: boolean, useGpg: boolean): TrustedKeys[] | null => {
    const sets: TrustedKeys[] = [];
    if (useEd) sets.push(ed);
    if (useGpg) sets.push(gpg);
    return sets.length > 0 ? sets : null;
  };
  const commits = pick(t.signVerify, t.gpgVerify && gpgWanted);
  const summary = pick(t.signVerifySummary, t.gpgVerifySummary);
  let warning: string | null = null;
  if (!commits && !summary) warning = `nothing was verified: remote ${remote.name} has no keys`;
  else if (!commits) warning = `commits were not verified: remote ${remote.name} has keys for its summary only`;
  return { commits, summary, all, warning };
}

/** The remote's keyring files that exist: `<repo>/<remote>.trustedkeys.gpg`, then each `gpgkeypath=` entry (a folder: its files). */
async function existingKeyrings(repo: Repo, remote: Remote): Promise<string[]> {
  const out: string[] = [];
  const own = remoteKeyringPath(repo, remote.name);
  if (await isFile(own)) out.push(own);
  for (const p of remote.trust.gpgKeyPaths) {
    const st = await fs.stat(p).catch(() => null);
    if (st?.isDirectory()) {
      for (const name of (await fs.readdir(p)).sort()) if (await isFile(join(p, name))) out.push(join(p, name));
    } else {
      // A missing file is the store's KEY_INVALID when it is loaded, naming the path.
      out.push(p);
    }
  }
  return out;
}

async function isFile(path: string): Promise<boolean> {
  return (await fs.stat(path).catch(() => null))?.isFile() ?? false;
}
