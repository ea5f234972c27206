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

/**
 * `osgit commit` with no DIR and only -s/--subject, -m/--body, --timestamp, --add-metadata-string
 * KEY=VALUE, --no-bindings, --allow-empty, --json, --repo: a worktree commit, without oclif
 * (src/fast/commit.ts; outside a worktree it hands over to oclif). Returns the parsed flags, or
 * null for anything else (oclif parses and reports it).
 */
function fastCommitArgs(argv) {
  if (argv[0] !== 'commit' || process.env.OSGIT_NO_FAST_PATH) return null;
  const out = { metadataStrings: [], noBindings: false, allowEmpty: false, json: false };
  const valued = { '-s': 'subject', '--subject': 'subject', '-m': 'body', '--body': 'body', '--timestamp': 'timestamp', '--repo': 'repo', '--add-metadata-string': 'meta' };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') out.json = true;
    else if (a === '--no-bindings') out.noBindings = true;
    else if (a === '--allow-empty') out.allowEmpty = true;
    else {
      const eq = a.startsWith('--') ? a.indexOf('=') : -1;
      const flag = eq > 0 ? a.slice(0, eq) : a;
      const key = valued[flag];
      if (!key || (eq > 0 && flag.length < 3)) return null;
      let value;
      if (eq > 0) value = a.slice(eq + 1);
      else {
        if (i + 1 >= argv.length || argv[i + 1].startsWith('-')) return null;
        value = argv[++i];
      }
      if (key === 'meta') {
        if (value.indexOf('=') <= 0) return null;
        out.metadataStrings.push(value);
      } else if (out[key] !== undefined) return null; // given twice: oclif decides
      else out[key] = value;
    }
  }
  return out;
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

// A reader that stops early (`osgit log | head`) closes the pipe: end quietly, as git does,
// instead of a stack trace; any other failure to write the output is one error line.
process.stdout.on('error', (err) => {
  if (err?.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`osgit: error: cannot write the output: ${err?.message ?? err}\n`);
  process.exit(err?.code === 'ENOSPC' ? 7 : 1);
});

const argv = process.argv.slice(2);
const commitArgs = fastCommitArgs(argv);
let done = false;
if (isFastStatus(argv)) {
  const { runStatus } = await load('../dist/bundle/fast/status.js');
  process.exitCode = await runStatus(argv.slice(1));
  done = true;
} else if (commitArgs) {
  const { runCommit } = await load('../dist/bundle/fast/commit.js');
  const code = await runCommit(commitArgs);
  if (code !== null) {
    process.exitCode = code;
    done = true;
  }
}
if (!done) {
  // The CLI runs from its bundle: a few files to load instead of a few hundred.
  const { main } = await load('../dist/bundle/main/osgit.js');
  await main(new URL('..', import.meta.url).pathname);
}
