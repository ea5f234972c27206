import type { ServerLimits } from '../limits.js';
import type { ServerLog } from '../log.js';
import type { SummaryPublishing } from '../summary-publish.js';

/**
 * What every smart route is mounted with. The repository of a request is `res.locals.repo` (a
 * Repo), set before the route runs; `res.locals.repoBase` is its base path (`/` or `/NAME/`).
 * Route modules that need configuration of their own (token keys for push) read it from
 * `options`, the server's options as given to createApp.
 */
export interface SmartContext {
  limits: ServerLimits;
  log: ServerLog;
  options: Readonly<Record<string, unknown>>;
  /** how summaries are published after a push (signing keys, expiry) */
  summary: SummaryPublishing;
}
