// Public API of @osgit/protocol: remotes, transfers (dumb and smart HTTP), pull and push.
export const PACKAGE = '@osgit/protocol';
export { ProtocolError, isProtocolError, type ProtocolErrorCode } from './errors.js';
export * as pack from './pack/index.js';
export * from './token/index.js';
export * as smart from './smart/index.js';
export {
  type Remote, type RemoteProtocol, type RemoteTrust, REMOTE_PROTOCOLS, checkRemoteName, checkRemoteUrl,
} from './remotes/remote.js';
export { listRemotes, getRemote, addRemote, deleteRemote, type AddRemoteOptions, type RemoteTrustOptions } from './remotes/remote-config.js';
export { remoteTrustedKeys, remoteVerification, type RemoteVerification } from './remotes/remote-trust.js';
export { remoteKeyringPath } from './remotes/remote-keyring.js';
export {
  smartPull, type SmartPullContext, type SmartPullOptions, type SmartPullProgress, type SmartPullResult,
  type PulledRef as SmartPulledRef,
} from './pull/smart-pull.js';
export { probeSmart, type SmartCapabilities } from './pull/smart-probe.js';
export { pull } from './pull/pull.js';
export { type PullContext, type PullOptions, type PullResult, type PulledRef, type PullTrust } from './pull/pull-types.js';
export { type VerifiedSummary } from './pull/verify-commits.js';
export { type PullProgress, type ProgressSink } from './pull/progress.js';
export * from './push/index.js';
export { repair } from './repair/repair.js';
export {
  type RepairContext, type RepairOptions, type RepairProgress, type RepairResult, type RepairedObject, type UnrepairedObject, type QuarantineEntry,
} from './repair/repair-types.js';
export * from './mirror/index.js';
