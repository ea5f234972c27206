import { execute, settings } from '@oclif/core';

/**
 * Runs the CLI: the entry point of the bundle that bin/run.js loads (see scripts/bundle-cli.mjs).
 * `root` is the package folder, where oclif finds package.json and oclif.manifest.json.
 */
export async function main(root: string): Promise<void> {
  // oclif looks for TypeScript sources and ts-node/tsx when NODE_ENV is "test" or "development"
  // (vitest sets "test" for the processes it starts); osgit always runs its compiled bundle.
  settings.enableAutoTranspile = false;
  await execute({ dir: root });
}

// The bundle's own copy of oclif, for the build script that writes oclif.manifest.json from it.
export { Plugin, settings } from '@oclif/core';
