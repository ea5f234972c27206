import express, { Router, type Express, type NextFunction, type Request, type Response } from 'express';
import { ProtocolError } from '@osgit/protocol';
import { ServerError } from './errors.js';
import { errorHandler } from './http-status.js';
import { resolveLimits, type ServerLimits } from './limits.js';
import { stderrLog, type ServerLog } from './log.js';
import { decodePathSegments } from './request-path.js';
import { repoRoot, singleRepo, type RepoResolver } from './repo-resolver.js';
import { requestLog } from './request-log.js';
import { staticFileRoute } from './dumb/static-route.js';
import { ensureSummary, type SummaryPublishing } from './summary-publish.js';
import { smartRouter } from './smart/router.js';

export interface AppOptions {
  /** Serve this one repository at `/`. */
  repo?: string;
  /** Serve every repository below this folder at `/NAME/`. */
  root?: string;
  limits?: Partial<ServerLimits>;
  /** Where request lines and failures go (default: JSON lines on stderr). */
  log?: ServerLog;
  /** Options of the smart route groups (token keys for push, ...), handed to them as given. */
  smart?: Readonly<Record<string, unknown>>;
  /**
   * How summaries are published: signed with these keys after every push that moves refs, and
   * carrying an expiry. With either, a served repository's summary is checked (and if need be
   * signed or regenerated) at start-up (--repo) or at its first summary request (--root).
   */
  summary?: SummaryPublishing;
}

/** The app plus the state a server around it needs to drain it. */
export interface OsgitApp {
  app: Express;
  limits: ServerLimits;
  log: ServerLog;
  /** Requests being handled now. */
  inFlight(): number;
  /** From now on answer with `Connection: close`, so kept-alive clients let go. */
  drain(): void;
}

/**
 * The express app of `osgit serve`: per repository, smart routes at `<base>/osgit/v1/` and
 * OSTree's static layout at `<base>/` (dumb HTTP). express is only the adapter: the routes'
 * work is in dumb/ and smart/, and every error is answered from the one table in
 * http-status.ts. Routes below the repository base get the repository as `res.locals.repo`.
 */
export async function createApp(opts: AppOptions): Promise<OsgitApp> {
  if ((opts.repo === undefined) === (opts.root === undefined)) {
    throw new ServerError('BAD_REQUEST', 'serve needs exactly one of a repository (--repo) or a root folder (--root)');
  }
  const limits = resolveLimits(opts.limits);
  const log = opts.log ?? stderrLog();
  const resolver: RepoResolver = opts.repo !== undefined ? await singleRepo(opts.repo) : await repoRoot(opts.root!);
  const summary = opts.summary ?? {};
  if (opts.repo !== undefined) await ensureSummary((await resolver.resolve('/', [])).repo, summary);
  const serveStaticFile = staticFileRoute(summary, log);

  // Below a repository's base: `/osgit/v1/...` is the smart side, everything else the static
  // layout (dispatched directly: most requests of a dumb pull are small files, where a router's
  // prefix matching shows in the time per request).
  const smart = Router({ caseSensitive: true, strict: true });
  smart.use('/osgit/v1', smartRouter({ limits, log, options: opts.smart ?? {}, summary }));
  const repoRouter = (req: Request, res: Response, next: NextFunction) => {
    if (req.path === '/osgit/v1' || req.path.startsWith('/osgit/v1/')) smart(req, res, next);
    else void serveStaticFile(req, res, next);
  };

  let inFlight = 0;
  let draining = false;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // validators are the static route's own (strong, per file version)
  app.set('query parser', false);
  app.use(requestLog(log));
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (draining) res.setHeader('Connection', 'close');
    if (inFlight >= limits.maxConcurrentRequests) {
      next(new ServerError('BUSY', 'too many requests at once; retry later'));
      return;
    }
    inFlight++;
    res.once('close', () => inFlight--);
    const length = Number(req.get('content-length') ?? 0);
    if (length > limits.maxBodyBytes) {
      res.setHeader('Connection', 'close'); // do not read a body we refuse
      next(new ProtocolError('TOO_LARGE', `request body of ${length} bytes is over the server's limit of ${limits.maxBodyBytes} bytes`, { limit: limits.maxBodyBytes }));
      return;
    }
    next();
  });
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const segments = decodePathSegments(req.path);
      const found = await resolver.resolve(req.path, segments);
      res.locals.repo = found.repo;
      res.locals.repoBase = found.base;
      const query = req.url.indexOf('?');
      req.url = found.rest + (query >= 0 ? req.url.slice(query) : '');
      repoRouter(req, res, next);
    } catch (err) {
      next(err);
    }
  });
  app.use(errorHandler({ hidePaths: resolver.hidePaths, log: log.error }));
  return {
    app,
    limits,
    log,
    inFlight: () => inFlight,
    drain: () => {
      draining = true;
    },
  };
}
