#!/usr/bin/env node
// Commit and checkout keep both cores busy through libuv's thread pool (zlib, file I/O); give it
// room before anything starts it. A value the user set wins.
process.env.UV_THREADPOOL_SIZE ??= '6';
// Stack traces name the TypeScript sources with --debug; source maps cost start-up time otherwise.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);

/**
 * `osgit status` with only --json, --porcelain and --repo PATH skips oclif: its start costs more
 * than the status of an unchanged tree (src/fast/status.ts prints the same output and errors).
 * Anything else (--help, --debug, a typo) goes to oclif, which parses and reports it.
 * OSGIT_NO_FAST_PATH=1 sends every command to oclif (tests compare the two).
 */
function isFastStatus(argv) {
  if (argv[0] !== 'status' || process.env.OSGIT_NO_FAST_PATH) return false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json' || a === '--porcelain' || (a.startsWith('--repo=') && a.length > 7)) continue;
    if (a === '--repo' && i + 1 < argv.length && !argv[i + 1].startsWith('-')) {
      i++;
      continue;
    }
    return false;
  }
  return true;
}

/** Imports a module of the bundle (scripts/bundle-cli.mjs, part of `npm run build`). */
async function load(rel) {
  const url = new URL(rel, import.meta.url);
  try {
    return await import(url.href);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(url.pathname)) throw err;
    process.stderr.write("osgit: error: the CLI is not built: run 'npm run build' in the osgit checkout\n");
    process.exit(1);
  }
}

const argv = process.argv.slice(2);
if (isFastStatus(argv)) {
  const { runStatus } = await load('../dist/bundle/fast/status.js');
  process.exitCode = await runStatus(argv.slice(1));
} else {
  // The CLI runs from its bundle: a few files to load instead of a few hundred.
  const { main } = await load('../dist/bundle/main/osgit.js');
  await main(new URL('..', import.meta.url).pathname);
}
