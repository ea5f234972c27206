// `@osgit/store/worktree` is the store's second public entry (what `osgit status` loads): its
// exports are a contract like the index's, changed deliberately (one name per line, sorted).
import { describe, expect, it } from 'vitest';
import * as entry from './index.js';

describe('@osgit/store/worktree public API', () => {
  it('exports exactly the names the CLI relies on', () => {
    expect(Object.keys(entry).sort()).toEqual([
      'Repo',
      'StoreError',
      'WORKTREE_MARKER',
      'Worktree',
      'findWorktree',
      'fsError',
      'isStoreError',
      'openWorktree',
      'parseTimestamp',
      'readMergeState',
    ]);
  });
});
