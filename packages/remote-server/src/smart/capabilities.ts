import type { Router } from 'express';
import type { Repo } from '@osgit/store';
import type { SmartContext } from './context.js';

/** `GET /osgit/v1/capabilities`: the probe a client makes once to learn that this base URL speaks smart. */
export interface Capabilities {
  protocol: 'osgit';
  version: 1;
  /** The repository's mode (objects on the wire are archive-format whatever it is). */
  mode: string;
  operations: string[];
  limits: { maxBodyBytes: number; maxObjectBytes: number; maxConcurrentRequests: number };
}

export function mountCapabilities(router: Router, ctx: SmartContext, operations: readonly string[]): void {
  router.get('/capabilities', (_req, res) => {
    const repo = res.locals.repo as Repo;
    const body: Capabilities = {
      protocol: 'osgit',
      version: 1,
      mode: repo.mode,
      operations: [...operations],
      limits: {
        maxBodyBytes: ctx.limits.maxBodyBytes,
        maxObjectBytes: ctx.limits.maxObjectBytes,
        maxConcurrentRequests: ctx.limits.maxConcurrentRequests,
      },
    };
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  });
}
