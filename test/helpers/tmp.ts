/**
 * Temporary directories under os.tmpdir() that a test file creates and removes in afterAll.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDirs {
  /** A fresh empty directory (mode 0700) named after `prefix`. */
  make(prefix: string): string;
  /** A path inside a fresh directory that does not exist yet (for checkouts, which create their target). */
  path(prefix: string, name?: string): string;
  /**
   * Removes every directory made so far. Call from afterAll and return its promise: removal is
   * asynchronous because a big tree takes seconds to delete on a loaded machine, too long to
   * hold up the test process's event loop (see `run` in ./tools.ts).
   */
  cleanup(): Promise<void>;
}

export function tempDirs(scope: string): TempDirs {
  const made: string[] = [];
  const make = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), `osgit-${scope}-${prefix}-`));
    made.push(dir);
    return dir;
  };
  return {
    make,
    path: (prefix, name = 'out') => join(make(prefix), name),
    async cleanup() {
      if (process.env.OSGIT_KEEP_TMP) {
        console.warn(`[keep] temp dirs kept: ${made.join(' ')}`);
        return;
      }
      await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
