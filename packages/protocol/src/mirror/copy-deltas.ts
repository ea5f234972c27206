import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Repo, atomicWriteFile, fsError } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import { urlFor } from '../pull/dumb-layout.js';
import type { Body, HttpClient } from '../transport/http-client.js';
import { deltaDir, deltaIndexPath, parseDeltaName } from './delta-layout.js';
import { superblockParts } from './delta-superblock.js';
import type { SummaryDeltas } from './summary-deltas.js';

/** A superblock holds the TO commit and maybe inline parts; this bound only stops an endless body. */
const MAX_SUPERBLOCK = 64 * 1024 * 1024;
/** Parts are at most ostree's max-chunk-size (32 MB) plus bsdiff output; bound against an endless body. */
const MAX_PART = 2 ** 34;
const SPOOL_OVER = 4 * 1024 * 1024;

export interface CopyDeltasResult {
  /** deltas whose files were fetched by this run (the others were complete already) */
  copied: string[];
  /** delta index files written or rewritten */
  indexes: number;
  bytes: number;
}

/**
 * Copies the static deltas a summary names, verbatim, into the same paths of `repo`
 * (reference/ostree-formats.md §7): for each delta the superblock, checked against the SHA-256
 * the summary gives for it, then every part file it lists, each checked against the SHA-256 of
 * its part header. Parts are written first and the superblock last, each atomically, so a
 * superblock on disk means a complete delta: a rerun skips those whose local superblock already
 * has the summary's digest, and an interrupted run resumes (parts already there and correct are
 * not fetched again). With indexed deltas, each TO commit's `delta-indexes/` file is copied too
 * (optional on the origin). The caller holds the repository's shared lock (prune removes deltas).
 */
export async function copyDeltas(
  ctx: { repo: Repo; http: HttpClient; baseUrl: string; signal?: AbortSignal }, deltas: SummaryDeltas,
): Promise<CopyDeltasResult> {
  const out: CopyDeltasResult = { copied: [], indexes: 0, bytes: 0 };
  const summaryUrl = urlFor(ctx.baseUrl, 'summary');
  for (const [name, digest] of deltas.deltas) {
    const dir = deltaDir(name, summaryUrl);
    const superPath = join(ctx.repo.path, dir, 'superblock');
    if ((await sha256OfFile(superPath)) === digest) continue;
    const superUrl = urlFor(ctx.baseUrl, `${dir}/superblock`);
    const superblock = await fetchBytes(ctx, superUrl, MAX_SUPERBLOCK);
    if (sha256(superblock) !== digest) {
      throw new ProtocolError('BAD_OBJECT', `${superUrl}: the superblock's SHA-256 is ${sha256(superblock)}, the summary says ${digest}`, { url: superUrl, delta: name });
    }
    for (const part of superblockParts(superblock, dir, superUrl)) {
      if (part.inline) continue;
      const path = join(ctx.repo.path, dir, String(part.index));
      if ((await sha256OfFile(path)) === part.checksum) continue;
      out.bytes += await fetchPart(ctx, urlFor(ctx.baseUrl, `${dir}/${part.index}`), path, part.checksum);
    }
    await writeFile(ctx.repo, superPath, superblock);
    out.bytes += superblock.length;
    out.copied.push(name);
  }
  if (deltas.indexed) {
    const targets = new Set([...deltas.deltas.keys()].map((n) => parseDeltaName(n, summaryUrl).to));
    for (const to of targets) {
      const rel = deltaIndexPath(to);
      const res = await ctx.http.get(urlFor(ctx.baseUrl, rel), { maxBytes: MAX_SUPERBLOCK, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      if (!res.found || !('bytes' in res.body)) continue;
      const path = join(ctx.repo.path, rel);
      const had = await readFile(path).catch(() => null);
      if (had && had.equals(res.body.bytes)) continue;
      await writeFile(ctx.repo, path, res.body.bytes);
      out.indexes++;
    }
  }
  return out;
}

async function fetchBytes(ctx: { http: HttpClient; signal?: AbortSignal }, url: string, maxBytes: number): Promise<Buffer> {
  const res = await ctx.http.get(url, { maxBytes, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  if (!res.found) throw new ProtocolError('HTTP_STATUS', `${url}: the summary names this static delta but the remote does not have it (HTTP ${res.status})`, { url, status: res.status });
  return bodyBytes(res.body);
}

/** Fetches one part (spooled to tmp/ when large), checks its SHA-256 and moves it into place. */
async function fetchPart(ctx: { repo: Repo; http: HttpClient; signal?: AbortSignal }, url: string, path: string, checksum: string): Promise<number> {
  const res = await ctx.http.get(url, {
    maxBytes: MAX_PART, spoolDir: join(ctx.repo.path, 'tmp'), spoolOver: SPOOL_OVER, ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (!res.found) throw new ProtocolError('HTTP_STATUS', `${url}: a part of a static delta the summary names is missing (HTTP ${res.status})`, { url, status: res.status });
  const body: Body = res.body;
  try {
    const got = 'bytes' in body ? sha256(body.bytes) : await sha256OfFile(body.path);
    if (got !== checksum) {
      throw new ProtocolError('BAD_OBJECT', `${url}: the part's SHA-256 is ${got}, its superblock says ${checksum}`, { url });
    }
    if ('bytes' in body) {
      await writeFile(ctx.repo, path, body.bytes);
      return body.bytes.length;
    }
    await mkdir(dirname(path), { recursive: true });
    if (ctx.repo.fsync) await syncFile(body.path);
    // The spool file is in the repository's tmp/, on the same filesystem: a rename is atomic.
    await rename(body.path, path);
    return body.size;
  } finally {
    if (!('bytes' in body)) await rm(body.path, { force: true });
  }
}

async function writeFile(repo: Repo, path: string, data: Uint8Array): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await atomicWriteFile(path, data, { fsync: repo.fsync });
  } catch (cause) {
    throw fsError(cause, { action: 'cannot write', path });
  }
}

function bodyBytes(body: Body): Buffer {
  if (!('bytes' in body)) throw new Error('unexpected spooled body');
  return body.bytes;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of a file, or null if it does not exist. */
async function sha256OfFile(path: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return hash.digest('hex');
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
