import { resolve } from 'node:path';
import { Repo, isStoreError } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { addRemote, getRemote, type RemoteTrustOptions } from '../remotes/remote-config.js';
import { checkRemoteName, checkRemoteUrl } from '../remotes/remote.js';
import type { PullContext } from '../pull/pull-types.js';
import type { RemoteProtocol } from '../remotes/remote.js';
import { mirrorPull, type MirrorPullResult } from './mirror-pull.js';

/** The remote key that marks a remote as the origin of a mirror (ostree ignores osgit- keys). */
export const MIRROR_KEY = 'osgit-mirror';

export interface CreateMirrorOptions {
  /** base URL of the origin (an OSTree archive repository over HTTP, or `osgit serve`) */
  url: string;
  /** the mirror repository: created (archive mode) if it does not hold one */
  dir: string;
  /** the origin's remote name in the mirror (default `origin`) */
  remote?: string;
  /** refs to mirror (default: every ref of the origin's summary, with the summary and deltas) */
  refs?: readonly string[];
  /** parents beyond each ref's commit: -1 (default) all history */
  depth?: number;
  protocol?: RemoteProtocol;
  stallTimeoutSecs?: number;
  /** further keys of the remote group, set when the mirror is created */
  set?: ReadonlyArray<readonly [string, string]>;
  /** what pulls from the origin verify (as `remote add`), set when the mirror is created; an update keeps the remote's */
  trust?: RemoteTrustOptions;
}

export interface CreateMirrorResult extends MirrorPullResult {
  path: string;
  /** the repository was created by this run (false: an existing mirror was updated) */
  created: boolean;
}

/**
 * `osgit mirror URL DIR`: creates DIR as an archive repository (as `ostree init --mode=archive`)
 * with a remote for URL marked `osgit-mirror=true`, or opens the mirror DIR already holds, then
 * runs the mirror pull (mirrorPull). Running it again updates the mirror incrementally; a run
 * killed at any point is completed by the next. An existing DIR whose remote points elsewhere is
 * REMOTE_EXISTS, and nothing is changed.
 */
export async function createMirror(ctx: Omit<PullContext, 'repo'>, opts: CreateMirrorOptions): Promise<CreateMirrorResult> {
  const name = opts.remote ?? 'origin';
  checkRemoteName(name);
  checkRemoteUrl(opts.url);
  const path = resolve(opts.dir);
  let repo = await openIfRepo(path);
  const created = repo === null;
  if (repo) {
    const remote = await getRemote(repo, name).catch((err) => {
      if (err instanceof ProtocolError && err.code === 'REMOTE_NOT_FOUND') return null;
      throw err;
    });
    if (remote && remote.url !== opts.url) {
      throw new ProtocolError('REMOTE_EXISTS', `${path} mirrors ${remote.url} as remote ${name}, not ${opts.url}; use another directory or --remote name`, { remote: name, url: remote.url });
    }
    if (!remote) await addMirrorRemote(repo, name, opts);
  } else {
    repo = await Repo.init(path, { mode: 'archive' });
    await addMirrorRemote(repo, name, opts);
  }
  const result = await mirrorPull({ ...ctx, repo }, {
    remote: name,
    ...(opts.refs ? { refs: opts.refs } : {}),
    depth: opts.depth ?? -1,
    ...(opts.protocol ? { protocol: opts.protocol } : {}),
    ...(opts.stallTimeoutSecs ? { stallTimeoutSecs: opts.stallTimeoutSecs } : {}),
  });
  return { path, created, ...result };
}

async function addMirrorRemote(repo: Repo, name: string, opts: CreateMirrorOptions): Promise<void> {
  const set: Array<readonly [string, string]> = [[MIRROR_KEY, 'true'], ...(opts.set ?? [])];
  const explicit = set.some(([k]) => k === 'gpg-verify');
  const gpgKeys = (opts.trust?.gpgImport?.length ?? 0) > 0;
  // Without a keyring there is nothing GPG could verify with: write gpg-verify=false (ostree's
  // default is true, and `ostree pull` on the mirror would then refuse every commit).
  await addRemote(repo, { name, url: opts.url, set, ...(explicit ? {} : { gpgVerify: gpgKeys }), ...(opts.trust ? { trust: opts.trust } : {}) });
}

/** The repository at `path`, or null when there is none (a missing or empty folder). */
async function openIfRepo(path: string): Promise<Repo | null> {
  try {
    return await Repo.open(path);
  } catch (err) {
    if (isStoreError(err) && err.code === 'REPO_NOT_FOUND') return null;
    throw err;
  }
}
