#!/usr/bin/env node
// Commit and checkout keep both cores busy through libuv's thread pool (zlib, file I/O); give it
// room before anything starts it. A value the user set wins.
process.env.UV_THREADPOOL_SIZE ??= '6';
// Stack traces name the TypeScript sources with --debug; source maps cost start-up time otherwise.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);

// The CLI runs from its bundle (scripts/bundle-cli.mjs, part of `npm run build`): a few files
// to load instead of a few hundred.
const bundle = new URL('../dist/bundle/main/osgit.js', import.meta.url);
let main;
try {
  ({ main } = await import(bundle.href));
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(bundle.pathname)) throw err;
  process.stderr.write("osgit: error: the CLI is not built: run 'npm run build' in the osgit checkout\n");
  process.exit(1);
}
await main(new URL('..', import.meta.url).pathname);
