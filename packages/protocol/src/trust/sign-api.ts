// The store's signature API (the "sign" area), in one place for the remotes and the pulls.
export {
  type TrustedKeys, type SignatureCheck, type SignatureReport, loadTrustedKeys, verifySignedBytes, requireValidSignature, verifyCommit,
} from '@osgit/store';
