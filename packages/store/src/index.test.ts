// The public API of @osgit/store is a contract with the other packages: adding or removing an
// export is a deliberate change that updates this list.
import { describe, expect, it } from 'vitest';
import * as store from './index.js';

describe('@osgit/store public API', () => {
  it('exports exactly the names other packages rely on', () => {
    expect(Object.keys(store).sort()).toEqual([
      'COMMIT_TYPE', 'DIRMETA_TYPE', 'DIRTREE_TYPE', 'KeyFile', 'MAX_METADATA_SIZE', 'REPO_MODES', 'Repo',
      'SUMMARY_TYPE', 'StoreError', 'Transaction', 'acquireLock', 'atomicWriteFile', 'checkout', 'checksumFromBytes',
      'checksumToBytes', 'classifyStaticPath', 'clearCommitPartial', 'commitTree', 'compareNames', 'configModeName',
      'decodeArchiveHeader', 'decodeBareUserMeta', 'decodeCommit', 'decodeDirMeta', 'decodeDirTree', 'decodeFileHeader',
      'defaultTimestamp', 'diffCommits', 'encodeArchiveHeader', 'encodeBareUserMeta', 'encodeCommit', 'encodeDirMeta',
      'encodeDirTree', 'encodeFileHeader', 'formatLsEntry', 'formatRef', 'framedHeader', 'fsError', 'fsck', 'gvariant',
      'isChecksum', 'isCommitPartial', 'isStoreError', 'isSymlinkMode', 'jsonValue', 'listRefs', 'listTree', 'log',
      'markCommitPartial', 'metadataValue', 'normalizeXattrs', 'objectRelPath', 'openFileObject',
      'openObjectForTransfer', 'openStaticFile', 'parseRefSpec', 'parseRepoMode', 'parseTimestamp', 'reachableObjects',
      'readObjectForTransfer', 'readRef', 'resolveTreePath', 'revParse', 'sha256Hex', 'splitFramedHeader',
      'summarizeCommit', 'transferSizeOf', 'updateRef', 'updateSummary', 'validateFilename', 'validateRefName',
      'validateRemoteName', 'verifyMetadataObject', 'withLock',
    ]);
  });
});
