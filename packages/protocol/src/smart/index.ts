// The smart protocol's request and response bodies (endpoints under /osgit/v1/).
export { MSGPACK_CONTENT_TYPE } from './msgpack.js';
export {
  writeFetchPlanRequest, parseFetchPlanRequest, writeFetchPlanResponse, parseFetchPlanResponse,
  MAX_WANTS, MAX_HAVES, MAX_PLAN_OBJECTS, type FetchPlanRequest, type FetchPlan, type PlannedObject,
} from './fetch-plan.js';
export { writePackRequest, parsePackRequest, MAX_PACK_REQUEST_OBJECTS, type ObjectRef } from './fetch-pack.js';
export { writeRefsResponse, parseRefsResponse, MAX_REFS } from './refs.js';
