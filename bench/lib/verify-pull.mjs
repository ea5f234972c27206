// The verifying-pull case of issue 8: the same `osgit pull` of rootfs-b into a fresh bare-user
// repository over the loopback, dumb (nginx) and smart (osgit serve), once from a remote without
// keys and once from a remote that verifies everything: ed25519 and OpenPGP commit signatures
// (`sign-verify=true` with the key, `gpg-verify=true` with `<repo>/origin.trustedkeys.gpg`) and
// the summary signed both ways (`sign-verify-summary`, `gpg-verify-summary`). Target: the
// verifying pull costs ≤ 1.1× the other.
//
// The server is the pulls case's repository (made by ostree, bench/lib/pulls.mjs), copied once
// with hard links, then signed by osgit: bench/b with an ed25519 and an OpenPGP key, the summary
// regenerated and signed with both. Both pulls read the same server, so they fetch the same
// objects; the verifying one fetches and checks the signatures besides.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from './measure.mjs';
import { ensureServerRepo } from './pulls.mjs';
import { median, mebibytes, seconds } from './report.mjs';
import { startNginx } from '../../scripts/nginx-static.mjs';

export const VERIFY_PULL_CASES = ['verify-pull'];
const VERSION = 'verify-pull-server-v1';
const TARGET = 1.1;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const run1 = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ').slice(0, 200)} failed (${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`);
  return r.stdout.trim();
};

/** The signed server repository and its public keys, made once per corpus. */
function ensureSignedServer(cli, corpus, log) {
  const dir = join(corpus, VERSION);
  const done = join(dir, 'complete.json');
  if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8'));
  const base = ensureServerRepo(corpus, log);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log('verify-pull: signing a hard-linked copy of the pulls server repository (ed25519 and OpenPGP)');
  const repo = join(dir, 'repo');
  // Hard links are safe: signing and `summary -u` write new files (atomic renames), never in place.
  run1('cp', ['-al', base.repo, repo]);
  const osgit = (...args) => run1(process.execPath, [cli, ...args]);
  const keys = join(dir, 'keys');
  mkdirSync(keys);
  osgit('keygen', '--out', join(keys, 'ed'));
  osgit('keygen', '--type', 'gpg', '--name', 'Bench', '--email', 'bench@example.org', '--out', join(keys, 'gpg'));
  osgit('sign', '--repo', repo, 'bench/b', '--key', join(keys, 'ed.secret'), '--gpg-key', join(keys, 'gpg.secret'));
  osgit('summary', '--repo', repo, '-u', '--key', join(keys, 'ed.secret'), '--gpg-key', join(keys, 'gpg.secret'));
  const meta = { repo, b: base.b, edPublic: readFileSync(join(keys, 'ed.pub'), 'utf8').trim(), gpgPublic: join(keys, 'gpg.pub') };
  writeFileSync(done, JSON.stringify(meta));
  return meta;
}

async function osgitServe(cli, repo) {
  const child = spawn(process.execPath, [cli, 'serve', '--repo', repo, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise((res, rej) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) res(m[1]);
    });
    child.once('exit', (code) => rej(new Error(`osgit serve exited (${code}): ${out}`)));
  });
  const stop = () => new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
  return { url, stop };
}

/** One measured pull into a fresh bare-user repository; the ref must land on `expect`, and a verifying pull must say what it verified. */
function timedPull({ cli, work, name, url, protocol, addFlags, expect, timeoutSeconds }) {
  const repo = join(work, name);
  rmSync(repo, { recursive: true, force: true });
  const osgit = (...args) => run1(process.execPath, [cli, ...args]);
  osgit('init', '--repo', repo, '--mode', 'bare-user');
  osgit('remote', 'add', '--repo', repo, ...addFlags, 'origin', url);
  const r = measure(process.execPath, [cli, 'pull', '--repo', repo, '--protocol', protocol, '--json', 'origin', 'bench/b'], { cwd: repoRoot, timeoutSeconds });
  if (r.ok) {
    const got = osgit('rev-parse', '--repo', repo, 'origin:bench/b');
    const verified = JSON.parse(r.stdout).verified;
    if (got !== expect) Object.assign(r, { ok: false, error: `pulled ${got}, expected ${expect}` });
    else if (addFlags.includes('--sign-verify') && !(verified?.commits === 1 && verified.summary && verified.keys.length === 2)) {
      Object.assign(r, { ok: false, error: `verified ${JSON.stringify(verified)}, expected 1 commit, the summary, 2 keys` });
    }
  }
  rmSync(repo, { recursive: true, force: true });
  return r;
}

export const VERIFY_PULL_ROWS = [
  { id: 'dumb', label: 'fresh pull rootfs-b, loopback, dumb (nginx): verifying (ed25519 + OpenPGP commit and summary) vs no keys' },
  { id: 'smart', label: 'fresh pull rootfs-b, loopback, smart (osgit serve): verifying vs no keys' },
];

export async function measureVerifyPull({ cli, corpus, work, runs, log, timeoutSeconds }) {
  const server = ensureSignedServer(cli, corpus, log);
  mkdirSync(work, { recursive: true });
  const rows = Object.fromEntries(VERIFY_PULL_ROWS.map((r) => [r.id, { plain: [], verified: [], errors: [] }]));
  const nginx = await startNginx(server.repo);
  const serve = await osgitServe(cli, server.repo);
  const trustFlags = ['--sign-verify', 'ed25519', '--verification-key', server.edPublic, '--sign-verify-summary', '--gpg-import', server.gpgPublic, '--gpg-verify-summary'];
  try {
    for (let run = 1; run <= runs; run++) {
      log(`verify-pull: run ${run} of ${runs}`);
      for (const [id, url] of [['dumb', nginx.url], ['smart', serve.url]]) {
        // Alternate the order, so neither side always runs with the warmer cache.
        const order = run % 2 === 1 ? ['plain', 'verified'] : ['verified', 'plain'];
        for (const kind of order) {
          const addFlags = kind === 'plain' ? ['--no-gpg-verify'] : trustFlags;
          const r = timedPull({ cli, work, name: `${id}-${kind}`, url, protocol: id, addFlags, expect: server.b, timeoutSeconds });
          if (!r.ok) {
            rows[id].errors.push(`${kind}: ${r.error}`);
            log(`verify-pull: ${id} ${kind}: FAILED: ${r.error}`);
            continue;
          }
          rows[id][kind].push({ wallSeconds: r.wallSeconds, peakKiB: r.peakKiB });
          log(`verify-pull: ${id} ${kind}: ${seconds(r.wallSeconds)}, ${mebibytes(r.peakKiB)}`);
        }
      }
    }
  } finally {
    await Promise.all([serve.stop(), nginx.stop()]);
  }
  return { rows };
}

export function renderVerifyPull(result) {
  const lines = ['', '## Verifying pulls', ''];
  lines.push(
    'The same `osgit pull` of rootfs-b into a fresh bare-user repository over the loopback, from a remote without keys ' +
      'and from one that verifies ed25519 and OpenPGP commit signatures and the summary signed both ways (one server ' +
      'repository, signed by osgit). Target: ≤ 1.1×.',
    '',
    '| case | no keys | verifying | ratio | target | ok? |',
    '| --- | ---: | ---: | ---: | --- | --- |',
  );
  for (const m of VERIFY_PULL_ROWS) {
    const row = result.rows[m.id];
    const med = (samples, key) => median(samples.map((s) => s[key]));
    const [p, v] = [med(row.plain, 'wallSeconds'), med(row.verified, 'wallSeconds')];
    const ratio = p && v != null ? v / p : null;
    const cell = (t, s) => (t == null ? '—' : `${seconds(t)} · ${mebibytes(med(s, 'peakKiB'))}`);
    const errors = row.errors.length ? ` (errors: ${row.errors.join('; ').replace(/\|/g, '\\|')})` : '';
    lines.push(`| ${m.label}${errors} | ${cell(p, row.plain)} | ${cell(v, row.verified)} | ${ratio == null ? '—' : `${ratio.toFixed(2)}×`} | ≤ ${TARGET.toFixed(2)}× | ${ratio == null ? '—' : ratio <= TARGET ? 'yes' : '**no**'} |`);
  }
  lines.push('', 'Cells: median wall time · median peak RSS of the client (GNU time).', '');
  return lines.join('\n');
}
