/**
 * The fetch side of the smart protocol: GET /refs, POST /fetch/plan, POST /fetch/pack (paths
 * relative to /osgit/v1). express is only the adapter here: bodies are read (bounded) and the
 * work is done by fetch-plan.ts and fetch-pack.ts over the request's Repo.
 */
import type { Readable } from 'node:stream';
import type { Request, Response, NextFunction } from 'express';
import { listRefs, type Repo } from '@osgit/store';
import { pack, smart } from '@osgit/protocol';
import { limitedBody } from '../limits.js';
import { sendError } from '../http-status.js';
import type { SmartRoutes } from './router.js';
import type { SmartContext } from './context.js';
import { planFetch } from './fetch-plan.js';
import { preparePack, writePack } from './fetch-pack.js';

/** Largest plan or pack request body: a pack request of MAX_PACK_REQUEST_OBJECTS is ~18 MB. */
const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

export const fetchRoutes: SmartRoutes = {
  operations: ['fetch'],
  mount(router, ctx) {
    router.get('/refs', handle(async (_req, res) => {
      const refs = await listRefs(repoOf(res));
      res.setHeader('Cache-Control', 'no-store');
      res.type('application/json').end(smart.writeRefsResponse(new Map(refs.map((r) => [r.ref.name, r.commit]))));
    }));
    router.post('/fetch/plan', handle(async (req, res) => {
      const body = await readBody(req, ctx);
      const plan = await planFetch(repoOf(res), smart.parseFetchPlanRequest(body));
      res.setHeader('Cache-Control', 'no-store');
      res.type(smart.MSGPACK_CONTENT_TYPE).end(smart.writeFetchPlanResponse(plan));
    }));
    router.post('/fetch/pack', handle(async (req, res) => {
      const repo = repoOf(res);
      const objects = smart.parsePackRequest(await readBody(req, ctx));
      const prepared = await preparePack(repo, objects);
      res.setHeader('Cache-Control', 'no-store');
      res.type(pack.PACK_CONTENT_TYPE);
      try {
        await writePack(repo, prepared, res);
      } catch (err) {
        // Headers are out: sendError cuts the response, so the client sees a truncated pack.
        ctx.log.error(err, { method: req.method, path: req.originalUrl });
        res.destroy();
        return;
      }
      res.end();
    }));
  },
};

function repoOf(res: Response): Repo {
  return res.locals.repo as Repo;
}

/** An async route whose failures go to the app's error handler (one status table). */
function handle(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch((err: unknown) => (res.headersSent ? sendError(res, err) : next(err)));
  };
}

/** The whole request body, at most MAX_REQUEST_BYTES (and the server's own limit): TOO_LARGE above. */
async function readBody(req: Readable, ctx: SmartContext): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of limitedBody(req, Math.min(MAX_REQUEST_BYTES, ctx.limits.maxBodyBytes))) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
