// Public API of @osgit/remote-server: `osgit serve`'s HTTP server (dumb and smart routes).
export const PACKAGE = '@osgit/remote-server';
export { createApp, type AppOptions, type OsgitApp } from './app.js';
export { startServer, type ServeOptions, type RunningServer } from './serve.js';
export { ServerError, isServerError, type ServerErrorCode } from './errors.js';
export { httpStatusFor, errorResponse, sendError, type ErrorCode, type ErrorBody } from './http-status.js';
export { DEFAULT_LIMITS, resolveLimits, limitedBody, type ServerLimits } from './limits.js';
export { stderrLog, silentLog, type ServerLog, type RequestLogLine } from './log.js';
export { type SmartContext } from './smart/context.js';
export { type SmartRoutes } from './smart/router.js';
export { type Capabilities } from './smart/capabilities.js';
export { publishSummary, ensureSummary, type SummaryPublishing, type PublishedSummary } from './summary-publish.js';
export { type ProtectedRefs, protectedPrefixes, isProtectedRef } from './smart/push-protected.js';
export { type PushServerOptions } from './smart/push-routes.js';
export { RevocationList } from './auth/revocation-list.js';
