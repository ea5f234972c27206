import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../errors.js';

/**
 * Where the compiled code of a worker module is (`distPath` relative to the store's dist/, e.g.
 * `fsio/object-worker.js`), for a caller one folder below src/ or dist/ (`here` is its
 * import.meta.url): beside the caller in dist/; from the package's dist/ when the caller runs from
 * its TypeScript source (vitest; `npm test` builds dist/ first) or from a bundle of the CLI (found
 * through the package name, as the native addon is). A missing file is IO naming it.
 */
export function compiledModulePath(here: string, distPath: string, what: string): string {
  const candidates = [fileURLToPath(new URL(here.endsWith('.ts') ? `../../dist/${distPath}` : `./${basename(distPath)}`, here))];
  try {
    candidates.push(join(dirname(createRequire(here).resolve('@osgit/store/package.json')), 'dist', distPath));
  } catch {
    /* not resolvable from here: the first candidate is the only one */
  }
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new StoreError('IO', `osgit's ${what} is missing at ${candidates[0]}; build with 'npx tsc -b'`, { path: candidates[0] });
  return found;
}
