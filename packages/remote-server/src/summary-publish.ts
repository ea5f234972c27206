import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { signSummary, updateSummary, type Repo, type SigningKey, type SummaryResult } from '@osgit/store';
import { summaryExpires, summarySignedByAll } from './summary-trust.js';

/**
 * How `osgit serve` publishes summaries: the keys it signs each one with (`summary.sig`; none:
 * unsigned, as before) and how long each one stays valid (`ostree.summary.expires`).
 */
export interface SummaryPublishing {
  signingKeys?: readonly SigningKey[];
  /** each published summary expires this many seconds after it was written */
  expiresAfterSeconds?: number;
}

export interface PublishedSummary extends SummaryResult {
  signed: boolean;
  /** `ostree.summary.expires` written, Unix seconds, or null */
  expires: bigint | null;
}

/** What the server last published or checked per repository, and the queue of its summary work. */
interface RepoSummaryState {
  /** every summary write, signature and guarded read of this repository runs in this chain, one at a time */
  chain: Promise<unknown>;
  /** a publish that has not started yet: later callers share it */
  pending?: Promise<PublishedSummary>;
  /** identity of `summary` and `summary.sig` as last published or found good (for these settings), and the expiry read or written then */
  good?: { identity: string; expires: bigint | null; by: SummaryPublishing };
}

const states = new Map<string, RepoSummaryState>();

function stateOf(repo: Repo): RepoSummaryState {
  let st = states.get(repo.path);
  if (!st) states.set(repo.path, (st = { chain: Promise.resolve() }));
  return st;
}

function serialized<T>(st: RepoSummaryState, task: () => Promise<T>): Promise<T> {
  const run = st.chain.then(task, task);
  st.chain = run.then(() => undefined, () => undefined);
  return run;
}

const signs = (p: SummaryPublishing): boolean => (p.signingKeys?.length ?? 0) > 0;
const guards = (p: SummaryPublishing): boolean => signs(p) || p.expiresAfterSeconds !== undefined;

/**
 * Regenerates the repository's `summary` after refs moved (the last step of a push) and, with
 * signing keys, signs it (`summary.sig`) before resolving: objects are already in `objects/`
 * (Transaction.commit renames them in before moving refs), the refs point at them, and now the
 * summary names those refs; a reader never meets a summary that names a commit whose objects
 * are missing. Each file is written atomically (temp + rename).
 *
 * The two files cannot change in one step: between the rename of `summary` and that of
 * `summary.sig` (ostree has the same window; `summary -u` also deletes the old signature first)
 * a reader of the folder (nginx serving it) can meet a new summary with the old or no
 * signature; its verifying client fails and a retry succeeds. This server's own readers never
 * do: they open both files through readSummaryFile, which waits for a publish to end.
 *
 * Pushes that end together share the work: a call made while a publish runs waits for one
 * more, started after the running one ends, so it reads refs at least as new as the caller's,
 * and any number of such callers share that one.
 */
export function publishSummary(repo: Repo, publishing: SummaryPublishing = {}): Promise<PublishedSummary> {
  const st = stateOf(repo);
  if (st.pending) return st.pending;
  const p = serialized(st, () => {
    st.pending = undefined;
    return regenerate(repo, publishing, st);
  });
  st.pending = p;
  return p;
}

async function regenerate(repo: Repo, publishing: SummaryPublishing, st: RepoSummaryState): Promise<PublishedSummary> {
  st.good = undefined;
  const expires = publishing.expiresAfterSeconds !== undefined ? BigInt(Math.floor(Date.now() / 1000) + publishing.expiresAfterSeconds) : null;
  const result = await updateSummary(repo, expires !== null ? { expires } : {});
  if (signs(publishing)) await signSummary(repo, [...publishing.signingKeys!]);
  st.good = { identity: await identityOf(repo), expires, by: publishing };
  return { ...result, signed: signs(publishing), expires };
}

/**
 * Makes sure the published summary is one this server stands behind, and returns at once when it
 * is (two stats): with signing keys, `summary.sig` must hold a valid signature by EVERY one of
 * them over the current `summary` (else it is signed anew: someone ran `summary -u`, or the
 * server's keys changed); with an expiry, the summary must carry one at least half its lifetime
 * away (else a new summary is published: a server without pushes must still refresh it before
 * clients refuse it as stale). A missing summary is published. Without keys or expiry: nothing.
 */
export async function ensureSummary(repo: Repo, publishing: SummaryPublishing): Promise<void> {
  if (!guards(publishing)) return;
  const st = stateOf(repo);
  await serialized(st, () => ensureNow(repo, publishing, st));
}

/**
 * Opens `summary` or `summary.sig` (through `open`) for a reader, after ensureSummary and never
 * during a publish: the file a reader gets is the one that matches its partner at that moment
 * (the open file keeps its contents whatever is renamed over it later). Without keys or expiry
 * it only opens. If making sure fails (a signing error), `onError` hears of it and the files are
 * served as they are: a verifying client refuses them, any other still pulls.
 */
export async function readSummaryFile<T>(repo: Repo, publishing: SummaryPublishing, open: () => Promise<T>, onError?: (err: unknown) => void): Promise<T> {
  if (!guards(publishing)) return open();
  const st = stateOf(repo);
  return serialized(st, async () => {
    try {
      await ensureNow(repo, publishing, st);
    } catch (err) {
      onError?.(err);
    }
    return open();
  });
}

async function ensureNow(repo: Repo, publishing: SummaryPublishing, st: RepoSummaryState): Promise<void> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const identity = await identityOf(repo);
  const stillValid = (expires: bigint | null): boolean =>
    publishing.expiresAfterSeconds === undefined || (expires !== null && expires - now >= BigInt(Math.ceil(publishing.expiresAfterSeconds / 2)));
  if (st.good && st.good.by === publishing && st.good.identity === identity && stillValid(st.good.expires)) return;
  st.good = undefined;
  const summary = await readOrNull(join(repo.path, 'summary'));
  const expires = summary ? summaryExpires(summary) : null;
  if (!summary || !stillValid(expires)) {
    await regenerate(repo, publishing, st);
    return;
  }
  if (signs(publishing)) {
    const sig = await readOrNull(join(repo.path, 'summary.sig'));
    if (!(await summarySignedByAll(summary, sig, publishing.signingKeys!))) {
      // Signed anew, not appended to: what is there is stale, damaged or someone else's, and the
      // summary.sig of a server with keys holds the server's signatures only.
      await fs.rm(join(repo.path, 'summary.sig'), { force: true });
      await signSummary(repo, [...publishing.signingKeys!]);
    }
  }
  st.good = { identity: await identityOf(repo), expires, by: publishing };
}

/** Inode, size and nanosecond mtime of both files: every writer replaces them by a rename. */
async function identityOf(repo: Repo): Promise<string> {
  const one = async (name: string): Promise<string> => {
    try {
      const s = await fs.stat(join(repo.path, name), { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '-';
      throw err;
    }
  };
  return `${await one('summary')}/${await one('summary.sig')}`;
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
