/**
 * Vitest global setup: bundles the CLI from tsc's output before any test runs it, so that
 * `npx tsc -b && npx vitest run FILE` tests the code just compiled, as `npm test` does
 * (bin/run.js runs packages/cli/dist/bundle; see scripts/bundle-cli.mjs).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function bundleCli(): void {
  const script = fileURLToPath(new URL('../../scripts/bundle-cli.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    throw new Error(`bundling the CLI failed (did 'npx tsc -b' run?): node ${script}\n${r.stderr}${r.stdout}`);
  }
}
