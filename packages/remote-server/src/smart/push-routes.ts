import type { NextFunction, Request, Response, Router } from 'express';
import { basename } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { Transaction, type Repo } from '@osgit/store';
import {
  ProtocolError, parsePublicKey, parseMissingRequest, writeMissingResponse, type PushReply, type TokenOp, type TokenPayload,
} from '@osgit/protocol';
import { authorize, type PushAuthConfig } from '../auth/push-auth.js';
import { RevocationList } from '../auth/revocation-list.js';
import { httpStatusFor } from '../http-status.js';
import { limitedBody } from '../limits.js';
import type { SmartRoutes } from './router.js';
import type { SmartContext } from './context.js';
import { checkConnectivity, PushView } from './push-connectivity.js';
import { commitWithRefs, planRefUpdates } from './push-refs.js';
import { emptyReceiveState, receivePack, type ReceiveState } from './push-receive.js';
import { publishSummary, type SummaryPublishing } from '../summary-publish.js';
import { checkProtectedUpdates, type ProtectedRefs } from './push-protected.js';
import { acceptedCommitMetaUpdates, installCommitMeta } from './push-commitmeta.js';

/**
 * Server options of the push routes (AppOptions.smart): the token PUBLIC key (PEM or OSTree's
 * base64; a KeyObject is taken as is) and the revocation file. Without a key every push is
 * refused (403): a server is never open for writing by default.
 */
export type PushServerOptions = {
  tokenPublicKey?: string | KeyObject | null;
  revokedTokensFile?: string | null;
  /** how often the revocation file is looked at, at most (default 1000 ms) */
  revocationCheckMs?: number;
  /** refs that only commits signed by the listed keys may reach (see checkProtectedUpdates) */
  protectedRefs?: ProtectedRefs | null;
};

/** The most a /push/missing request body may be: MAX_MISSING_REQUEST entries of ~40 bytes, with room. */
const MAX_MISSING_BODY = 8 * 1024 * 1024;

export const pushRoutes: SmartRoutes = {
  operations: ['push'],
  mount(router: Router, ctx: SmartContext): void {
    const options = ctx.options as PushServerOptions;
    const auth = authConfig(options);
    const guard = (op: TokenOp) => async (req: Request, res: Response): Promise<TokenPayload> => {
      try {
        return await authorize(auth, req.get('authorization'), { repo: repoName(res), op });
      } catch (err) {
        const www = (err as ProtocolError).data?.wwwAuthenticate;
        if (typeof www === 'string') res.setHeader('WWW-Authenticate', www);
        // The body of a refused request is not read: close the connection instead of draining it.
        res.setHeader('Connection', 'close');
        throw err;
      }
    };

    router.post('/push/missing', async (req: Request, res: Response, next: NextFunction) => {
      try {
        await guard('push')(req, res);
        const body = await readAll(limitedBody(req, Math.min(MAX_MISSING_BODY, ctx.limits.maxBodyBytes)));
        const repo = res.locals.repo as Repo;
        const asked = parseMissingRequest(body);
        const missing = [];
        // One lstat each, synchronously (a thread-pool round trip per object cost more than the
        // call); the loop yields every 1000 so other requests keep moving.
        for (const [i, o] of asked.entries()) {
          // Detached metadata is always asked for: the client's copy may carry signatures added
          // since the server got its own (a few hundred bytes per commit; see push-commitmeta.ts).
          if (o.type === 'commitmeta' || !repo.hasObjectSync(o.checksum, o.type)) missing.push(o);
          if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
        }
        res.setHeader('Cache-Control', 'no-store');
        res.type('application/x-msgpack').end(writeMissingResponse(missing));
      } catch (err) {
        next(err);
      }
    });

    router.post('/push', async (req: Request, res: Response, next: NextFunction) => {
      let token: TokenPayload;
      try {
        token = await guard('push')(req, res);
      } catch (err) {
        next(err);
        return;
      }
      const force = new URL(req.originalUrl, 'http://x').searchParams.get('force') === '1';
      const logInternal = (err: unknown): void => ctx.log.error(err, { method: req.method, path: req.originalUrl });
      const reply = await handlePush(res.locals.repo as Repo, req, {
        token, force, maxObjectBytes: ctx.limits.maxObjectBytes, maxBodyBytes: ctx.limits.maxBodyBytes, logInternal,
        protectedRefs: options.protectedRefs ?? null, summary: ctx.summary,
      });
      if (res.destroyed || !res.writable) return; // the client is gone: what it sent is kept, see handlePush
      if (reply.error) res.setHeader('Connection', 'close');
      res.status(reply.error ? httpStatusFor(reply.error.code) : 200).setHeader('Cache-Control', 'no-store');
      res.type('application/json').end(JSON.stringify(reply) + '\n');
    });
  },
};

/**
 * One push, start to end; never throws, answers with a PushReply (with `error` on refusal).
 *  1. the pack is streamed into a transaction, each object verified before it is staged;
 *  2. a pack cut short (connection lost, truncated) keeps what was verified: the transaction is
 *     committed WITHOUT refs, so the retry's /push/missing skips those objects; unless a commit
 *     it holds is incomplete (a commit object with holes must never land in objects/: ostree fsck
 *     checks every commit), then nothing is kept. osgit's client sends commits last, so a cut
 *     push of it keeps everything that arrived;
 *  3. a hostile pack (an object that fails verification, garbage) keeps nothing;
 *  4. the ref updates are checked (token, connectivity, fast-forward);
 *  5. the signatures of the commits a protected ref would reach are checked; a refusal keeps
 *     nothing (refused by trust: nothing written, the client exits 10); `.commitmeta` of commits
 *     the server had, pushed again with signatures added, replace the server's;
 *  6. the objects are made durable and the refs moved by compare-and-swap in one commit; then the
 *     summary is regenerated and, with the server's keys, signed, before the answer.
 */
async function handlePush(repo: Repo, req: Request, opts: {
  token: TokenPayload; force: boolean; maxObjectBytes: number; maxBodyBytes: number; logInternal: (err: unknown) => void;
  protectedRefs: ProtectedRefs | null; summary: SummaryPublishing;
}): Promise<PushReply> {
  const state = emptyReceiveState();
  const reply = (extra: Partial<PushReply>): PushReply => ({
    received: state.received, stored: state.stored, storedBytes: state.storedBytes, kept: true, refs: [], summaryUpdated: false, ...extra,
  });
  const errorOf = (err: unknown): { code: string; message: string } => {
    const code = (err as { code?: unknown } | null)?.code;
    if (err instanceof Error && typeof code === 'string' && httpStatusFor(code) < 500) {
      return { code, message: err.message.replace(/\s*\n\s*/g, ' ').slice(0, 1000) };
    }
    // The detail of a server-side failure goes to the log, not to the client.
    opts.logInternal(err);
    return { code: typeof code === 'string' && httpStatusFor(code) === 503 ? code : 'INTERNAL', message: 'internal server error' };
  };
  const failed = (err: unknown, kept: boolean): PushReply => reply({ kept, stored: kept ? state.stored : [], storedBytes: kept ? state.storedBytes : 0, error: errorOf(err) });

  let tx: Transaction;
  try {
    tx = await Transaction.begin(repo);
  } catch (err) {
    req.resume();
    return failed(err, false);
  }
  const view = new PushView(repo, tx);
  try {
    await receivePack(tx, limitedBody(req, opts.maxBodyBytes), state, { maxObjectBytes: opts.maxObjectBytes });
    if (!state.updates) throw new ProtocolError('BAD_RESPONSE', 'the push pack has no refs record', { truncated: true });
  } catch (err) {
    if (!isCut(err)) {
      await tx.abort();
      return failed(err, false);
    }
    // Keep what was verified, if every commit among it is whole.
    for (const c of state.commits) {
      try {
        await checkConnectivity(view, c, null);
      } catch {
        await tx.abort();
        return failed(err, false);
      }
    }
    try {
      await tx.commit();
    } catch (commitErr) {
      return failed(commitErr, false);
    }
    return failed(err, true);
  }

  let planned;
  try {
    planned = await planRefUpdates(view, state.updates, opts.token, opts.force);
  } catch (err) {
    // Refused refs: the objects are still good when the refusal is about the refs only.
    if (err instanceof ProtocolError && (err.code === 'FORBIDDEN' || (err.code === 'PUSH_REJECTED' && err.data.ref !== undefined))) {
      try {
        await tx.commit();
        return failed(err, true);
      } catch (commitErr) {
        return failed(commitErr, false);
      }
    }
    await tx.abort();
    return failed(err, false);
  }
  let commitMeta;
  try {
    commitMeta = await acceptedCommitMetaUpdates(repo, state.commitMeta);
    await checkProtectedUpdates(view, planned, opts.protectedRefs, commitMeta);
    // Signatures added to commits the server had are in place before any ref moves to them.
    await installCommitMeta(repo, commitMeta);
  } catch (err) {
    await tx.abort();
    return failed(err, false);
  }
  let refs;
  try {
    refs = await commitWithRefs(tx, planned);
  } catch (err) {
    // commit() ran: the objects are durable whatever happened to the refs.
    return failed(err, isCommitDone(err));
  }
  try {
    await publishSummary(repo, opts.summary);
    return reply({ refs, summaryUpdated: true });
  } catch (err) {
    // The refs moved: the push succeeded. Only the summary is behind (the next push or
    // `osgit summary -u` regenerates it); the detail goes to the log, the client gets a 200 saying so.
    opts.logInternal(err);
    return reply({ refs, summaryUpdated: false });
  }
}

/** A push stream that ended early (lost connection, truncated pack), as opposed to one that is wrong. */
function isCut(err: unknown): boolean {
  if (err instanceof ProtocolError) return err.code === 'BAD_RESPONSE' && err.data.truncated === true;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error | null)?.message === 'aborted';
}

function isCommitDone(err: unknown): boolean {
  return err instanceof ProtocolError && err.code === 'PUSH_CONFLICT';
}

function authConfig(opts: PushServerOptions): PushAuthConfig {
  const key = opts.tokenPublicKey;
  const revoked = opts.revokedTokensFile ? new RevocationList(opts.revokedTokensFile, opts.revocationCheckMs ?? 1000) : null;
  return { publicKey: key ? (typeof key === 'string' ? parsePublicKey(key, 'token public key') : key) : null, revoked };
}

/** The repository's name as tokens name it: its path below --root, or its folder's name when served alone. */
function repoName(res: Response): string {
  const base = res.locals.repoBase as string;
  return base === '/' ? basename((res.locals.repo as Repo).path) : base.slice(1, -1);
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}
