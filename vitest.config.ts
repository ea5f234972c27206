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
    // Timeouts catch hangs, not slowness: on a loaded 2-core machine an interop test that runs
    // ostree and the CLI a dozen times took 16 s and a set-up hook of three CLI runs 29 s (load 13),
    // so 60 s left too little headroom.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // The CLI the tests run is a bundle of tsc's output: bundle what was just compiled.
    globalSetup: ['test/helpers/bundle-cli.global-setup.ts'],
    // A measuring tool (see the file): OSGIT_TEST_BLOCKS=FILE logs where test processes block.
    setupFiles: process.env.OSGIT_TEST_BLOCKS ? ['test/helpers/event-loop-watch.ts'] : [],
  },
});
