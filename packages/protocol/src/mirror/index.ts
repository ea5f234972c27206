// Mirrors: a verbatim copy of a remote (refs, history, detached metadata, summary, deltas).
export { mirrorPull, type MirrorPullOptions, type MirrorPullResult } from './mirror-pull.js';
export { createMirror, MIRROR_KEY, type CreateMirrorOptions, type CreateMirrorResult } from './create-mirror.js';
export { type CopyDeltasResult } from './copy-deltas.js';
