/**
 * Small trees for the store's unit tests (the *.test.ts files under packages/store/src), committed
 * through the store's own API. Imports the store's sources, as those tests do, not the built package.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Checksum } from '../../packages/store/src/checksum.js';
import { commitTree, type CommitOptions } from '../../packages/store/src/commit/commit-tree.js';
import type { Repo } from '../../packages/store/src/repo/repo.js';

/**
 * Writes `files` (path relative to `tree` → text) into the folder `tree`, then commits the whole
 * folder to `repo` and returns the commit checksum. Files written by earlier calls stay, so calls
 * on one folder build a history; `{}` commits the folder as it is.
 */
export async function commitFiles(
  repo: Repo,
  tree: string,
  files: Readonly<Record<string, string>>,
  options: Omit<CommitOptions, 'tree'>,
): Promise<Checksum> {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, rel)), { recursive: true });
    writeFileSync(join(tree, rel), text);
  }
  return (await commitTree(repo, { ...options, tree })).commit;
}
