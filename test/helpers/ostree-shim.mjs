#!/usr/bin/env node
// A stand-in for the osgit CLI that forwards to the real `ostree`, for checking the interop tests
// themselves: `OSGIT_TEST_CLI=test/helpers/ostree-shim.mjs npx vitest run test/` must pass (apart
// from osgit-only promises such as fsck naming the commits affected). Never used unless that
// variable is set. Covers the CLI contract the tests use: init, commit, checkout, fsck,
// rev-parse, refs; `--json` only for commit.
import { spawnSync } from 'node:child_process';

const [command, ...rest] = process.argv.slice(2);
const json = rest.includes('--json');
const args = rest.filter((a) => a !== '--json');
if (!args.some((a) => a === '--repo' || a.startsWith('--repo=')) && process.env.OSGIT_REPO) {
  args.unshift(`--repo=${process.env.OSGIT_REPO}`);
}

const known = new Set(['init', 'commit', 'checkout', 'fsck', 'rev-parse', 'refs']);
if (!command || !known.has(command)) {
  process.stderr.write(`ostree-shim: unsupported command ${command ?? '(none)'}\n`);
  process.exit(2);
}

const r = spawnSync('ostree', [command, ...args], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (r.status !== 0) process.exit(r.status ?? 1);
if (command === 'commit' && json) {
  const checksum = r.stdout.trim().split('\n').pop();
  let branch = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-b' || a === '--branch') branch = args[i + 1] ?? null;
    else if (a.startsWith('--branch=')) branch = a.slice('--branch='.length);
    else if (a.startsWith('-b') && a.length > 2) branch = a.slice(2);
  }
  process.stdout.write(`${JSON.stringify({ commit: checksum, branch })}\n`);
} else {
  process.stdout.write(r.stdout);
}
