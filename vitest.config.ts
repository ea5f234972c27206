import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@osgit/store': src('store'),
      '@osgit/protocol': src('protocol'),
      '@osgit/remote-server': src('remote-server'),
      '@osgit/deployer': src('deployer'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The CLI the tests run is a bundle of tsc's output: bundle what was just compiled.
    globalSetup: ['test/helpers/bundle-cli.global-setup.ts'],
    // A measuring tool (see the file): OSGIT_TEST_BLOCKS=FILE logs where test processes block.
    setupFiles: process.env.OSGIT_TEST_BLOCKS ? ['test/helpers/event-loop-watch.ts'] : [],
  },
});
