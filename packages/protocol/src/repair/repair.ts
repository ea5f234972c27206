import { setMaxListeners } from 'node:events';
import {
  type Checksum, type FsckResult, type TrustedKeys, StoreError, Transaction, clearCommitPartial, fsck, markCommitPartial, quarantineObject,
  verifySignedBytes,
} from '@osgit/store';
import { remoteTrustedKeys } from '../remotes/remote-trust.js';
import { getRemote, listRemotes } from '../remotes/remote-config.js';
import type { Remote } from '../remotes/remote.js';
import { HttpClient } from '../transport/http-client.js';
import { RefetchWalk, key, newRefetchMemo } from './refetch-walk.js';
import type { QuarantineEntry, RepairContext, RepairOptions, RepairResult, UnrepairedObject } from './repair-types.js';

/**
 * `osgit fsck --repair`: fsck, then (under the shared lock, in one transaction) mark every
 * damaged commit partial with OSTree's fsck reason, move every corrupt object file out of
 * objects/ into tmp/osgit-quarantine/, fetch from a remote exactly the objects those commits
 * need and lack (see RefetchWalk), verified as in any pull, commit the transaction, remove the
 * partial marker of every commit that is complete again, and fsck once more.
 * The remote of a commit: `opts.remote`, else the remote of a ref that holds it (`REMOTE:REF`),
 * else the only configured remote; a commit with none of these while several remotes exist is
 * INVALID_ARGUMENT before anything changes. With no remote configured at all the repair does
 * what `ostree fsck --delete` does: corrupt objects out, damaged commits marked partial ("f"),
 * so that the next pull (ostree's or osgit's) fetches what they lack.
 */
export async function repair(ctx: RepairContext, opts: RepairOptions = {}): Promise<RepairResult> {
  const { repo } = ctx;
  const before = await fsck(repo, { onProgress: (p) => ctx.onProgress?.({ phase: 'fsck', ...p }) });
  const problemsFound = before.problems.length + before.brokenRefs.length + before.unreadable.length + before.fsckPartialCommits.length;

  const targets = damagedCommits(before);
  const remotes = await listRemotes(repo);
  const chosen = opts.remote !== undefined ? await getRemote(repo, opts.remote) : null;
  const remoteOf = new Map<Checksum, Remote | null>();
  for (const [commit, refs] of targets) {
    const remote = chosen ?? trackedRemote(refs, remotes) ?? (remotes.length === 1 ? remotes[0]! : null);
    if (!remote && remotes.length > 1) {
      throw new StoreError(
        'INVALID_ARGUMENT',
        `commit ${commit}${refs.length ? ` (refs: ${refs.join(', ')})` : ''} tracks no remote and the repository has ${remotes.length}: say which to fetch from with --remote NAME`,
        { commit, refs, remotes: remotes.map((r) => r.name) },
      );
    }
    remoteOf.set(commit, remote);
  }

  // Trust settings are read before anything changes: a remote whose keys cannot be read stops the repair here.
  const keysOf = new Map<Remote, TrustedKeys | null>();
  for (const remote of new Set(remoteOf.values())) if (remote) keysOf.set(remote, await remoteTrustedKeys(repo, remote));

  const was = new Map<string, 'corrupt' | 'missing'>();
  for (const p of before.problems) was.set(key(p.checksum, p.type), p.state);
  const quarantined: QuarantineEntry[] = [];
  const repaired: RepairResult['repaired'] = [];
  const unrepaired: UnrepairedObject[] = [];
  const complete: Checksum[] = [];
  const incomplete: Checksum[] = [];

  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const onAbort = (): void => abort.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const tx = await Transaction.begin(repo);
  try {
    // Partial first (a crash from here on leaves holes a pull knows to fill), then the corrupt files out.
    for (const commit of targets.keys()) {
      if (repo.hasObjectSync(commit, 'commit') && !was.has(key(commit, 'commit'))) await markCommitPartial(repo, commit, 'fsck');
    }
    for (const p of before.problems) {
      if (p.state !== 'corrupt') continue;
      const path = await quarantineObject(repo, p.checksum, p.ext!);
      if (path) quarantined.push({ checksum: p.checksum, type: p.type, path });
    }

    const seen = newRefetchMemo();
    let objects = 0;
    let bytes = 0;
    for (const remote of new Set(remoteOf.values())) {
      const commits = [...remoteOf].filter(([, r]) => r === remote).map(([c]) => c);
      if (!remote) {
        // Nothing to fetch from: what fsck found stays to be repaired by a later pull.
        incomplete.push(...commits);
        continue;
      }
      const http = new HttpClient({
        connections: opts.connections ?? 16,
        stallTimeoutMs: (opts.stallTimeoutSecs ?? remote.stallTimeoutSecs ?? 30) * 1000,
        ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
        ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
      });
      const keys = keysOf.get(remote) ?? null;
      const walk = new RefetchWalk({
        repo, tx, http, seen, was,
        ...(keys ? { verifyDetached: detachedCheck(remote.name, keys) } : {}),
        remote: remote.name,
        objectsUrl: remote.contentUrl ?? remote.url,
        connections: opts.connections ?? 16,
        signal: abort.signal,
        onObject: (n) => {
          objects++;
          bytes += n;
          ctx.onProgress?.({ phase: 'fetch', objects, bytes });
        },
      });
      try {
        const done = await Promise.all(commits.map((c) => walk.commit(c)));
        commits.forEach((c, i) => (done[i] ? complete : incomplete).push(c));
      } finally {
        repaired.push(...walk.repaired);
        unrepaired.push(...walk.unrepaired);
        await http.close();
      }
    }
  } catch (err) {
    abort.abort(err);
    // Keep what was verified: a second repair (or a pull) resumes from there.
    await tx.commit().catch(() => undefined);
    throw err;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  await tx.commit();
  // Only now is every object of these commits durable in objects/.
  for (const c of complete) await clearCommitPartial(repo, c);

  unrepaired.push(...leftWithoutRemote(before, remoteOf, unrepaired, repaired));
  const after = await fsck(repo, { onProgress: (p) => ctx.onProgress?.({ phase: 'verify', ...p }) });
  return {
    ok: unrepaired.length === 0 && after.ok,
    problemsFound,
    quarantined,
    repaired,
    unrepaired,
    refsAffected: [...new Set([...targets.values()].flat())].sort(),
    commitsRepaired: complete,
    commitsPartial: incomplete.filter((c) => repo.hasObjectSync(c, 'commit')),
    fsck: after,
  };
}

/**
 * For a remote with trusted keys: refetched detached metadata must carry a signature of its
 * commit that verifies with them (as a verifying pull requires), else it is not stored.
 */
function detachedCheck(remote: string, keys: TrustedKeys): (commit: Checksum, commitBytes: Uint8Array, detached: Uint8Array) => Promise<string | null> {
  return async (commit, commitBytes, detached) => {
    const report = await verifySignedBytes(Buffer.from(commitBytes), Buffer.from(detached), keys);
    if (report.valid) return null;
    const checks = report.checks.map((c) => `${c.type} ${c.key || '(unknown key)'}: ${c.valid ? 'valid' : c.error ?? 'invalid'}`);
    return `the detached metadata of commit ${commit} has no signature that verifies with remote ${remote}'s trusted keys${checks.length ? ` (${checks.join('; ')})` : ' (none)'}`;
  };
}

/** Commits to complete, each with the refs that hold it: damaged ones, the targets of refs to missing commits, and commits an earlier fsck left partial. */
function damagedCommits(r: FsckResult): Map<Checksum, string[]> {
  const out = new Map<Checksum, string[]>();
  const add = (commit: Checksum, refs: string[]): void => {
    out.set(commit, [...new Set([...(out.get(commit) ?? []), ...refs])]);
  };
  for (const a of r.affectedCommits) add(a.commit, a.refs);
  for (const b of r.brokenRefs) if (b.code === 'OBJECT_MISSING' && b.commit) add(b.commit, [b.ref]);
  for (const p of r.problems) {
    // Damaged detached metadata of a commit the repository has: fetch it again (its commit needs nothing else).
    if (p.type === 'commitmeta' && !out.has(p.checksum)) add(p.checksum, []);
  }
  return out;
}

/** The remote of the first `REMOTE:REF` among `refs` that is configured. */
function trackedRemote(refs: string[], remotes: Remote[]): Remote | null {
  for (const ref of refs) {
    const colon = ref.indexOf(':');
    if (colon <= 0) continue;
    const remote = remotes.find((r) => r.name === ref.slice(0, colon));
    if (remote) return remote;
  }
  return null;
}

/** The damaged objects fsck named that no walk asked for (their commits had no remote): unrepaired. */
function leftWithoutRemote(
  before: FsckResult, remoteOf: Map<Checksum, Remote | null>, unrepaired: UnrepairedObject[], repaired: RepairResult['repaired'],
): UnrepairedObject[] {
  if (![...remoteOf.values()].includes(null)) return [];
  const known = new Set([...unrepaired, ...repaired].map((o) => key(o.checksum, o.type)));
  const out: UnrepairedObject[] = [];
  for (const p of before.problems) {
    if (p.type === 'unknown' || p.type === 'tombstone-commit' || known.has(key(p.checksum, p.type))) continue;
    if (p.type === 'commitmeta' && p.state === 'missing') continue;
    out.push({
      checksum: p.checksum, type: p.type, was: p.state, remote: null, code: 'OBJECT_MISSING',
      message: `${p.type} ${p.checksum} is ${p.state === 'corrupt' ? 'corrupt (moved out of objects/)' : 'missing'} and no remote is configured to fetch it from: add one (osgit remote add) and run fsck --repair again, or pull`,
    });
  }
  return out;
}
