import { Router } from 'express';
import { ServerError } from '../errors.js';
import { mountCapabilities } from './capabilities.js';
import type { SmartContext } from './context.js';
import { fetchRoutes } from './fetch-routes.js';
import { pushRoutes } from './push-routes.js';

/**
 * A group of smart endpoints: the operations it adds to the capabilities, and how it mounts its
 * routes (paths relative to `/osgit/v1`). Handlers throw (or pass to next) typed errors; the
 * app's error handler answers them with the status from http-status.ts.
 */
export interface SmartRoutes {
  operations: readonly string[];
  mount(router: Router, ctx: SmartContext): void;
}

/**
 * Every smart route group: one line each (fetch: helper smart-fetch, push: helper push).
 */
const ROUTES: readonly SmartRoutes[] = [
  fetchRoutes,
  pushRoutes,
];

/** The router mounted at `<repo base>/osgit/v1`. Unknown endpoints below it are a JSON 404. */
export function smartRouter(ctx: SmartContext): Router {
  const router = Router({ caseSensitive: true, strict: true });
  mountCapabilities(router, ctx, ROUTES.flatMap((r) => r.operations));
  for (const routes of ROUTES) routes.mount(router, ctx);
  router.use((req, _res, next) => next(new ServerError('NOT_FOUND', `no smart endpoint ${req.method} /osgit/v1${req.path}`)));
  return router;
}
