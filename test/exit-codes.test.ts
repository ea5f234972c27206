// The exit status of every error code, as the README documents them: 2 usage, 3 repository,
// 4 corrupt data, 5 locked/conflict, 6 checkout/commit input, 7 no space, 10 refused by trust,
// 1 anything else.
// Literal numbers, so a wrong entry in packages/cli/src/exit-codes.ts fails here.
import { describe, expect, it } from 'vitest';
import { exitCodeFor, type ErrorCode } from '../packages/cli/src/exit-codes.js';

const DOCUMENTED: Record<number, ErrorCode[]> = {
  1: ['IO', 'INTERNAL', 'GVARIANT_BAD_TYPE', 'GVARIANT_BAD_VALUE'],
  2: ['USAGE', 'UNKNOWN_COMMAND', 'INVALID_ARGUMENT', 'REV_INVALID', 'REV_AMBIGUOUS', 'REF_INVALID', 'REF_NOT_FOUND', 'PATH_NOT_FOUND'],
  3: ['REPO_NOT_FOUND', 'REPO_EXISTS', 'REPO_CONFIG', 'PERMISSION_DENIED'],
  4: ['OBJECT_CORRUPT', 'OBJECT_MISSING', 'REF_CORRUPT', 'UNSAFE_TREE', 'UNSAFE_PATH', 'FSCK_FAILED', 'GVARIANT_NOT_NORMAL'],
  5: ['REPO_LOCKED', 'REF_CONFLICT'],
  6: ['CHECKOUT_EXISTS', 'CHECKOUT_FAILED', 'COMMIT_INPUT'],
  7: ['NO_SPACE'],
  10: ['SIGNATURE_MISSING', 'SIGNATURE_INVALID', 'REF_BINDING', 'DOWNGRADE', 'SUMMARY_STALE'],
};

describe('exit status of each error code', () => {
  for (const [status, codes] of Object.entries(DOCUMENTED)) {
    for (const code of codes) {
      it(`${code} exits ${status}`, () => {
        expect(exitCodeFor(code)).toBe(Number(status));
      });
    }
  }
});
