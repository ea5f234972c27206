// Push: the wire bodies (push-wire.ts) and the client operation (push.ts).
export {
  type PushReply, type RefOutcome, type RefOutcomeStatus, MISSING_BATCH, MAX_MISSING_REQUEST,
  writeMissingRequest, parseMissingRequest, writeMissingResponse, parseMissingResponse, parsePushReply,
} from './push-wire.js';
export { push, type PushContext, type PushOptions, type PushResult, type PushRefSpec, type PushProgress } from './push.js';
