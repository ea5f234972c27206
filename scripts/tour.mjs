#!/usr/bin/env node
// The tour behind `npm start`: a short, real session with osgit in ./demo that a new user can
// follow and repeat by hand. Every step runs the real CLI and prints the command and its output.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, symlinkSync, chmodSync, appendFileSync, readdirSync, readFileSync, lstatSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'demo');
const cli = join(root, 'packages', 'cli', 'bin', 'run.js');
const rel = (p) => relative(process.cwd(), p) || '.';

function say(text) {
  process.stdout.write(`\n\x1b[1m# ${text}\x1b[0m\n`);
}

const shownArgs = (args) => args.map((a) => (/[\s"'$]/.test(a) ? `'${a}'` : a)).join(' ');

function run(args, env = {}, cwd = undefined) {
  const shown = shownArgs(args);
  process.stdout.write(cwd ? `$ (cd ${rel(cwd)} && osgit ${shown})\n` : `$ osgit ${shown}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, OSGIT_REPO: '', OSGIT_TOKEN: '', ...env } });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r;
}

function osgit(...args) {
  const r = run(args);
  return okOrExit(r, args);
}

/** Like osgit(), run inside folder `dir` (a worktree finds its repository by itself). */
function osgitIn(dir, ...args) {
  const r = run(args, {}, dir);
  return okOrExit(r, args);
}

/** Runs another tool (ostree) if it is installed; says so and goes on when it is not. */
function optionalTool(tool, ...args) {
  if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) {
    process.stdout.write(`(${tool} is not installed: skipping '${tool} ${shownArgs(args)}')\n`);
    return;
  }
  process.stdout.write(`$ ${tool} ${shownArgs(args)}\n`);
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.status !== 0) {
    process.stderr.write(`tour: '${tool} ${args.join(' ')}' failed with exit code ${r.status}\n`);
    process.exit(1);
  }
}

/** Like osgit(), with extra environment variables (shown before the command). */
function osgitWithEnv(env, ...args) {
  process.stdout.write(Object.keys(env).map((k) => `${k}=... `).join(''));
  const r = run(args, env);
  return okOrExit(r, args);
}

function okOrExit(r, args) {
  if (r.status !== 0) {
    process.stderr.write(`tour: 'osgit ${args.join(' ')}' failed with exit code ${r.status}\n`);
    process.exit(1);
  }
  return r.stdout.trim().split('\n').pop();
}

/** A step that must fail: shows the one-line error and the exit status, stops the tour if it does not fail so. */
function osgitFails(status, ...args) {
  const r = run(args);
  process.stdout.write(`(exit status ${r.status})\n`);
  if (r.status !== status) {
    process.stderr.write(`tour: 'osgit ${args.join(' ')}' should have failed with exit code ${status}, got ${r.status}\n`);
    process.exit(1);
  }
}

/** A tiny OS-like tree: the embedded default the tour commits. */
function makeSampleTree(dir) {
  const file = (p, text, mode = 0o644) => {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
    chmodSync(join(dir, p), mode);
  };
  file('usr/lib/os-release', 'NAME="Demo OS"\nVERSION_ID=1\nID=demo\n');
  file('usr/bin/hello', '#!/bin/sh\necho "hello from demo OS"\n', 0o755);
  file('usr/share/doc/demo/README', 'Demo OS: a sample tree for the osgit tour.\n');
  file('usr/etc/hostname', 'demo\n');
  file('usr/etc/motd', 'Welcome to Demo OS 1\n');
  mkdirSync(join(dir, 'var'), { recursive: true });
  symlinkSync('usr/bin', join(dir, 'bin'));
  symlinkSync('../usr/lib/os-release', join(dir, 'usr/etc/os-release'));
}

rmSync(demo, { recursive: true, force: true });
mkdirSync(demo, { recursive: true });
const repo = join(demo, 'repo');
const tree = join(demo, 'rootfs');
makeSampleTree(tree);

say('1. Create a repository (archive mode: what a server hosts; bare-user: what a machine deploys from)');
osgit('init', '--repo', rel(repo), '--mode', 'archive');

say('2. Commit a root filesystem to the branch demo/os/stable');
const c1 = osgit('commit', '--repo', rel(repo), '-b', 'demo/os/stable', '-s', 'Demo OS 1', '--add-metadata-string', 'version=1',
  '--timestamp=2026-01-01T00:00:00Z', rel(tree));

say('3. Change the tree (a new release) and commit again: only the new objects are written');
writeFileSync(join(tree, 'usr/etc/motd'), 'Welcome to Demo OS 2\n');
writeFileSync(join(tree, 'usr/lib/os-release'), 'NAME="Demo OS"\nVERSION_ID=2\nID=demo\n');
writeFileSync(join(tree, 'usr/bin/uptime-report'), '#!/bin/sh\nuptime\n');
chmodSync(join(tree, 'usr/bin/uptime-report'), 0o755);
appendFileSync(join(tree, 'usr/share/doc/demo/README'), 'Release 2 adds uptime-report.\n');
const c2 = osgit('commit', '--repo', rel(repo), '-b', 'demo/os/stable', '-s', 'Demo OS 2', '--add-metadata-string', 'version=2',
  '--timestamp=2026-02-01T00:00:00Z', rel(tree));

say('4. History of the branch');
osgit('log', '--repo', rel(repo), 'demo/os/stable');

say('5. What changed between the two releases (demo/os/stable^ is the parent)');
osgit('diff', '--repo', rel(repo), 'demo/os/stable^', 'demo/os/stable');

say('6. Look inside a commit without checking it out');
osgit('ls', '--repo', rel(repo), 'demo/os/stable', '/usr/bin');
osgit('cat', '--repo', rel(repo), 'demo/os/stable', '/usr/etc/motd');

say('7. Check out the new release into a fresh folder');
osgit('checkout', '--repo', rel(repo), 'demo/os/stable', rel(join(demo, 'checkout')));

say('8. Verify every object in the repository');
osgit('fsck', '--repo', rel(repo));

say('9. Publish: write the summary file that clients (osgit or ostree) read');
osgit('summary', '--repo', rel(repo), '-u');

say('10. Bad input changes nothing: a symlink whose target is not UTF-8 cannot be stored faithfully,');
process.stdout.write('    so the commit is refused (exit status 6) and the branch stays where it was\n');
const bad = join(demo, 'bad-rootfs');
makeSampleTree(bad);
symlinkSync(Buffer.from([0x66, 0xff, 0x2e]), join(bad, 'usr/bin/odd-link'));
osgitFails(6, 'commit', '--repo', rel(repo), '-b', 'demo/os/stable', '-s', 'never lands', rel(bad));
osgit('rev-parse', '--repo', rel(repo), 'demo/os/stable');

say('11. Errors are typed for scripts too: --json gives a stable code and the exit status');
osgitFails(2, 'rev-parse', '--repo', rel(repo), '--json', 'demo/os/no-such-branch');

say('12. Host it: osgit serve speaks OSTree\'s static layout (ostree, nginx-compatible) and osgit\'s smart protocol.');
process.stdout.write('    Pushes need a token signed by a key the server knows only the public half of\n');
const key = join(demo, 'push-key');
osgit('token', 'keygen', rel(key));
const server = await startServer(['serve', '--repo', rel(repo), '--port', '0', '--quiet', '--token-public-key', `${rel(key)}.pub`]);
try {
  say('13. A machine pulls the release (bare-user: the mode a machine deploys from); the smart protocol is found by itself');
  const machine = join(demo, 'machine');
  osgit('init', '--repo', rel(machine), '--mode', 'bare-user');
  osgit('remote', 'add', '--repo', rel(machine), '--no-gpg-verify', 'origin', server.url);
  osgit('pull', '--repo', rel(machine), 'origin', 'demo/os/stable');
  osgit('fsck', '--repo', rel(machine));

  say('14. A build machine makes release 3 and pushes it: only what the server lacks travels');
  const builder = join(demo, 'builder');
  osgit('init', '--repo', rel(builder), '--mode', 'bare-user');
  osgit('remote', 'add', '--repo', rel(builder), '--no-gpg-verify', 'origin', server.url);
  osgit('pull', '--repo', rel(builder), 'origin', 'demo/os/stable');
  writeFileSync(join(tree, 'usr/etc/motd'), 'Welcome to Demo OS 3\n');
  writeFileSync(join(tree, 'usr/lib/os-release'), 'NAME="Demo OS"\nVERSION_ID=3\nID=demo\n');
  osgit('commit', '--repo', rel(builder), '-b', 'demo/os/stable', '--parent', c2, '-s', 'Demo OS 3', '--add-metadata-string', 'version=3',
    '--timestamp=2026-03-01T00:00:00Z', rel(tree));
  process.stdout.write('    Without a token the server refuses the push (exit status 9) and nothing moves:\n');
  osgitFails(9, 'push', '--repo', rel(builder), 'origin', 'demo/os/stable');
  const token = osgit('token', 'create', '--key', rel(key), '--repo', '*', '--ref', 'demo/os', '--op', 'push', '--expires', '1h');
  osgitWithEnv({ OSGIT_TOKEN: token }, 'push', '--repo', rel(builder), 'origin', 'demo/os/stable');

  say('15. The machine pulls again: only the new objects come over');
  osgit('pull', '--repo', rel(machine), 'origin', 'demo/os/stable');
  osgit('log', '--repo', rel(machine), 'origin:demo/os/stable');
} finally {
  await server.stop();
}

say('16. Branches and worktrees, as in git: a new branch demo/os/feature at the release, checked out for editing');
const wtFeature = join(demo, 'wt-feature');
osgit('branch', '--repo', rel(repo), 'demo/os/feature', 'demo/os/stable');
osgit('worktree', 'add', '--repo', rel(repo), rel(wtFeature), 'demo/os/feature');

say('17. Edit a file in the worktree; status lists what changed against the branch');
writeFileSync(join(wtFeature, 'usr/etc/motd'), 'Welcome to Demo OS 3 (feature branch)\n');
osgitIn(wtFeature, 'status');

say('18. Commit the worktree as the next commit of its branch');
osgitIn(wtFeature, 'commit', '-s', 'Feature: a friendlier motd', '--timestamp=2026-04-01T00:00:00Z');

say('19. A second branch, demo/os/fix, with another change in its own worktree (-b: create the branch too)');
const wtFix = join(demo, 'wt-fix');
osgit('worktree', 'add', '--repo', rel(repo), '-b', 'demo/os/fix', rel(wtFix), 'demo/os/stable');
appendFileSync(join(wtFix, 'usr/share/doc/demo/README'), 'Release 3 fixes the documentation.\n');
osgitIn(wtFix, 'commit', '-s', 'Fix: document release 3', '--timestamp=2026-04-02T00:00:00Z');

say('20. Merge demo/os/fix into demo/os/feature in the repository: both moved, so this makes a merge commit');
osgit('merge', '--repo', rel(repo), '--into', 'demo/os/feature', 'demo/os/fix');

say('21. The history as a graph (in the worktree, the revision defaults to its branch); the merge commit keeps');
process.stdout.write('    its first parent in OSTree\'s parent field and the other in osgit.merge-parents\n');
osgitIn(wtFeature, 'log', '--graph');
osgit('show', '--repo', rel(repo), 'demo/os/feature');

say('22. The merge commit is a valid OSTree commit: the real ostree verifies it and reads its history');
optionalTool('ostree', `--repo=${rel(repo)}`, 'fsck');
optionalTool('ostree', `--repo=${rel(repo)}`, 'log', 'demo/os/feature');

say('23. Sign releases: an ed25519 key pair in OSTree\'s format (base64 lines); the secret half stays with the build system');
const releaseKey = join(demo, 'release-key');
osgit('keygen', '--out', rel(releaseKey));
osgit('sign', '--repo', rel(repo), 'demo/os/stable', '--key', `${rel(releaseKey)}.secret`);
osgit('verify', '--repo', rel(repo), 'demo/os/stable', '--keys-file', `${rel(releaseKey)}.pub`);

say('24. Publish the refs (the feature and fix branches are new) in a summary signed with the same key (summary.sig);');
process.stdout.write('    osgit serve with --sign-key signs every summary it publishes after a push too\n');
osgit('summary', '--repo', rel(repo), '-u', '--key', `${rel(releaseKey)}.secret`);
const signedServer = await startServer(['serve', '--repo', rel(repo), '--port', '0', '--quiet', '--sign-key', `${rel(releaseKey)}.secret`]);
const trusting = join(demo, 'trusting-machine');
try {
  say('25. A machine that trusts only that key: the summary and every commit it pulls must verify before anything is written');
  osgit('init', '--repo', rel(trusting), '--mode', 'bare-user');
  osgit('remote', 'add', '--repo', rel(trusting), '--sign-verify', 'ed25519', '--verification-file', `${rel(releaseKey)}.pub`,
    '--sign-verify-summary', '--no-gpg-verify', 'origin', signedServer.url);
  osgit('pull', '--repo', rel(trusting), 'origin', 'demo/os/stable');

  say('26. demo/os/feature was never signed: the pull is refused (exit status 10) and nothing is written');
  osgitFails(10, 'pull', '--repo', rel(trusting), 'origin', 'demo/os/feature');

  say('27. Mirror the server: refs, history, signatures and the signed summary, byte for byte; a mirror verifies with the same key');
  const mirror = join(demo, 'mirror');
  osgit('mirror', signedServer.url, rel(mirror));
  osgit('verify', '--repo', rel(mirror), 'demo/os/stable', '--keys-file', `${rel(releaseKey)}.pub`);

  say('28. Repair: damage a file in the machine\'s repository; fsck finds it (exit status 4), fsck --repair fetches it again');
  damageLargestFileObject(trusting);
  osgitFails(4, 'fsck', '--repo', rel(trusting));
  osgit('fsck', '--repo', rel(trusting), '--repair', '--remote', 'origin');
} finally {
  await signedServer.stop();
}

say('29. Garbage collection: a scratch build on a throwaway branch, then the branch is deleted');
const scratch = join(demo, 'scratch-rootfs');
makeSampleTree(scratch);
writeFileSync(join(scratch, 'usr/share/doc/demo/build.log'), randomBytes(150_000).toString('base64'));
osgit('commit', '--repo', rel(repo), '-b', 'demo/scratch', '-s', 'Scratch build', '--timestamp=2026-05-01T00:00:00Z', rel(scratch));
osgit('branch', '--repo', rel(repo), '-D', 'demo/scratch');
process.stdout.write('    prune --refs-only keeps what the refs reach, over every parent (so demo/os/fix\'s commit stays:\n');
process.stdout.write('    the merge reaches it); --dry-run first, then for real. It takes the lock ostree takes\n');
osgit('prune', '--repo', rel(repo), '--refs-only', '--dry-run');
osgit('prune', '--repo', rel(repo), '--refs-only');
osgit('fsck', '--repo', rel(repo));

say('Done');
process.stdout.write(`Release 1: ${c1}\nRelease 2: ${c2}\n`);
process.stdout.write('Release 3 was pushed by the builder; the server repository and the machine both have it now.\n');
process.stdout.write('demo/os/feature holds a merge of demo/os/fix; its worktree is demo/wt-feature.\n');
process.stdout.write('demo/os/stable is signed with demo/release-key; demo/trusting-machine pulls only what that key signed;\n');
process.stdout.write('demo/mirror is a verbatim mirror of the server.\n');
process.stdout.write(`Everything is in ${rel(demo)}/. The same repository works with the real ostree tool too:\n`);
process.stdout.write(`  ostree --repo=${rel(repo)} log demo/os/stable\n`);
process.stdout.write(`Both tools take the same lock (${rel(repo)}/.lock), so they can share a repository safely.\n`);

/** Flips a byte in the middle of the largest file object of a bare-user repository (they are plain files there). */
function damageLargestFileObject(repoDir) {
  let largest = null;
  for (const fan of readdirSync(join(repoDir, 'objects'))) {
    for (const name of readdirSync(join(repoDir, 'objects', fan))) {
      if (!name.endsWith('.file')) continue;
      const path = join(repoDir, 'objects', fan, name);
      const st = lstatSync(path);
      if (st.isFile() && (!largest || st.size > largest.size)) largest = { path, size: st.size };
    }
  }
  const bytes = readFileSync(largest.path);
  bytes[bytes.length >> 1] ^= 0x20;
  chmodSync(largest.path, 0o644);
  writeFileSync(largest.path, bytes);
  process.stdout.write(`(changed one byte of ${rel(largest.path)})\n`);
}

/** Runs `osgit serve` in the background until stop(); resolves once it prints its URL. */
function startServer(args) {
  const shown = args.join(' ');
  process.stdout.write(`$ osgit ${shown} &\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OSGIT_REPO: '' } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (!m) return;
      process.stdout.write(out);
      child.stdout.removeAllListeners('data');
      resolve({
        url: m[1],
        stop: () => new Promise((r) => {
          child.once('exit', r);
          child.kill('SIGTERM');
        }),
      });
    });
    child.once('exit', (code) => reject(new Error(`osgit serve exited with ${code} before listening: ${out}`)));
  });
}
