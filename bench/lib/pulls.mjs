// The remotes cases: `osgit pull` (smart from `osgit serve`, dumb from nginx) against `ostree pull`
// from nginx, on the same server repository, over loopback and through a simulated wide-area
// link (../shared/tools/latency-proxy.mjs), plus bytes on the wire, client peak memory and the
// server's peak memory while it streams a 1 GiB pack.
//
// The server repository is made once by the real ostree (archive mode, refs bench/a = rootfs-a
// and bench/b = rootfs-b with bench/a as parent, a static delta a→b for ostree, a summary) and
// kept beside the corpus; every pull lands in a fresh bare-user repository.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from './measure.mjs';
import { median, mebibytes, seconds } from './report.mjs';
import { startNginx } from '../../scripts/nginx-static.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LATENCY_PROXY = resolve(repoRoot, '..', 'shared', 'tools', 'latency-proxy.mjs');
const COUNT_PROXY = join(dirname(fileURLToPath(import.meta.url)), 'count-proxy.mjs');
const WAN = { rttMs: 40, mbit: 200 };
const SERVER_VERSION = 'pull-server-v1';

/** Rows of the remotes table. `kind`: time (ratio osgit/ostree), bytes, or rss (absolute limit). */
export const PULL_MEASUREMENTS = [
  { id: 'fresh-loopback-smart', label: 'fresh pull rootfs-b, loopback: smart (osgit serve) vs ostree (nginx)', kind: 'time', target: 0.3 },
  { id: 'fresh-loopback-dumb', label: 'fresh pull rootfs-b, loopback: dumb (nginx) vs ostree (nginx)', kind: 'time', target: 1.0 },
  { id: 'fresh-wan-smart', label: `fresh pull rootfs-b, ${WAN.rttMs} ms / ${WAN.mbit} Mbit: smart vs ostree`, kind: 'time', target: 0.15 },
  { id: 'fresh-wan-dumb', label: `fresh pull rootfs-b, ${WAN.rttMs} ms / ${WAN.mbit} Mbit: dumb vs ostree`, kind: 'time', target: 0.5 },
  { id: 'incr-wan-smart', label: `pull rootfs-a → rootfs-b, ${WAN.rttMs} ms / ${WAN.mbit} Mbit: smart vs ostree with a static delta`, kind: 'time', target: 1.0 },
  { id: 'incr-bytes', label: 'bytes on the wire, pull rootfs-a → rootfs-b: smart vs ostree object pull', kind: 'bytes', target: 1.0 },
  { id: 'memory-pull-smart', label: 'peak memory, osgit pull rootfs-b (smart)', kind: 'rss', limitMiB: 150 },
  { id: 'memory-pull-dumb', label: 'peak memory, osgit pull rootfs-b (dumb)', kind: 'rss', limitMiB: 150 },
  { id: 'memory-serve-1g', label: 'peak memory, osgit serve streaming a 1 GiB pack', kind: 'rss', limitMiB: 200 },
];

const run1 = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`);
  return r.stdout.trim();
};

/** Starts a child and resolves with it once a line of its stdout matches `pattern`. */
function startChild(cmd, args, pattern, opts = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', opts.stderr ?? 'ignore'], ...opts.spawn });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: no ${pattern} within 30 s; output: ${out}`));
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, match: m, stop: () => stopChild(child) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}) before it was ready; output: ${out}`));
    });
  });
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      r();
    });
    child.kill('SIGTERM');
  });
}

const hostPort = (url) => new URL(url).host;

async function latencyProxy(url) {
  const p = await startChild(process.execPath, [LATENCY_PROXY, '--listen', '127.0.0.1:0', '--target', hostPort(url), '--rtt-ms', String(WAN.rttMs), '--mbit', String(WAN.mbit)], /listening (\S+)/);
  return { url: `http://${p.match[1]}/`, stop: p.stop };
}

async function countProxy(url, countsFile) {
  const p = await startChild(process.execPath, [COUNT_PROXY, '--target', hostPort(url), '--counts', countsFile], /listening (\S+)/);
  return {
    url: `http://${p.match[1]}/`,
    stop: p.stop,
    counts: () => JSON.parse(readFileSync(countsFile, 'utf8')),
  };
}

async function osgitServe(cli, repo) {
  const p = await startChild(process.execPath, [cli, 'serve', '--repo', repo, '--port', '0', '--quiet'], /(http:\/\/127\.0\.0\.1:\d+\/)/);
  return { url: p.match[1], pid: p.child.pid, stop: p.stop };
}

/** Peak resident set of a running process (VmHWM), in KiB. */
function peakRssKiB(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : null;
}

/** The server repository, made by ostree once and reused while the corpus is unchanged. */
export function ensureServerRepo(corpus, log) {
  const dir = join(corpus, SERVER_VERSION);
  const repo = join(dir, 'repo');
  const done = join(dir, 'complete.json');
  if (existsSync(done)) return { repo, ...JSON.parse(readFileSync(done, 'utf8')) };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log('pulls: making the server repository with ostree (commits rootfs-a and rootfs-b, a static delta a→b)');
  const o = (...args) => run1('ostree', [`--repo=${repo}`, ...args]);
  o('init', '--mode=archive');
  const a = o('commit', '-b', 'bench/a', '--timestamp=@1700000000', '-s', 'rootfs-a', `--tree=dir=${join(corpus, 'rootfs-a')}`);
  const b = o('commit', '-b', 'bench/b', `--parent=${a}`, '--timestamp=@1700000100', '-s', 'rootfs-b', `--tree=dir=${join(corpus, 'rootfs-b')}`);
  const started = Date.now();
  o('static-delta', 'generate', `--from=${a}`, `--to=${b}`);
  const deltaSeconds = (Date.now() - started) / 1000;
  o('summary', '-u');
  const meta = { a, b, deltaSeconds };
  writeFileSync(done, JSON.stringify(meta));
  return { repo, ...meta };
}

/** A 1 GiB archive repository of incompressible files (for the server-memory case), made by osgit. */
async function ensureBigRepo(cli, corpus, log) {
  const dir = join(corpus, 'pull-big-v1');
  const repo = join(dir, 'repo');
  if (existsSync(join(dir, 'complete'))) return repo;
  rmSync(dir, { recursive: true, force: true });
  const tree = join(dir, 'tree');
  mkdirSync(tree, { recursive: true });
  log('pulls: writing 1 GiB of random files and committing them (once)');
  for (let i = 0; i < 16; i++) {
    const out = createWriteStream(join(tree, `blob-${i}`));
    for (let j = 0; j < 64; j++) if (!out.write(randomBytes(1024 * 1024))) await new Promise((r) => out.once('drain', r));
    await new Promise((r) => out.end(r));
  }
  run1(process.execPath, [cli, 'init', '--repo', repo, '--mode', 'archive']);
  run1(process.execPath, [cli, 'commit', '--repo', repo, '-b', 'big', '--timestamp=@1700000000', '-s', 'big', tree]);
  rmSync(tree, { recursive: true, force: true });
  writeFileSync(join(dir, 'complete'), '');
  return repo;
}

/** The client side: how each tool makes a repo, adds a remote, pulls, and reads a ref. */
function client(tool, cli) {
  if (tool === 'ostree') {
    return {
      init: (repo) => run1('ostree', [`--repo=${repo}`, 'init', '--mode=bare-user']),
      remote: (repo, name, url) => run1('ostree', [`--repo=${repo}`, 'remote', 'add', '--no-gpg-verify', name, url]),
      pull: (repo, name, ref, extra = []) => ['ostree', [`--repo=${repo}`, 'pull', ...extra, name, ref]],
      revParse: (repo, ref) => run1('ostree', [`--repo=${repo}`, 'rev-parse', ref]),
    };
  }
  const osgit = (...args) => run1(process.execPath, [cli, ...args]);
  return {
    init: (repo) => osgit('init', '--repo', repo, '--mode', 'bare-user'),
    remote: (repo, name, url) => osgit('remote', 'add', '--repo', repo, '--no-gpg-verify', name, url),
    pull: (repo, name, ref, extra = []) => [process.execPath, [cli, 'pull', '--repo', repo, ...extra, name, ref]],
    revParse: (repo, ref) => osgit('rev-parse', '--repo', repo, ref),
  };
}

/** Runs one measured pull into a fresh repo; checks the ref landed on `expect`. */
function timedPull({ tool, cli, work, name, url, ref, expect, extra, before, timeoutSeconds }) {
  const c = client(tool, cli);
  const repo = join(work, `${tool}-${name}`);
  rmSync(repo, { recursive: true, force: true });
  c.init(repo);
  c.remote(repo, 'origin', url);
  if (before) before(c, repo);
  const [cmd, args] = c.pull(repo, 'origin', ref, extra);
  const result = measure(cmd, args, { cwd: repoRoot, timeoutSeconds });
  if (result.ok) {
    const got = c.revParse(repo, `origin:${ref}`);
    if (got !== expect) {
      result.ok = false;
      result.error = `pulled ${got}, expected ${expect}`;
    }
  }
  rmSync(repo, { recursive: true, force: true });
  return result;
}

/** Points remote `origin` of a client repo at another URL (both tools keep it in `config`). */
function setRemoteUrl(repo, url) {
  const path = join(repo, 'config');
  writeFileSync(path, readFileSync(path, 'utf8').replace(/^url=.*$/m, `url=${url}`));
}

export async function measurePulls({ cli, corpus, work, runs, log, timeoutSeconds, only }) {
  const want = (id) => !only || only.includes(id);
  const rows = Object.fromEntries(PULL_MEASUREMENTS.map((m) => [m.id, { ostree: [], osgit: [], errors: [] }]));
  const server = ensureServerRepo(corpus, log);
  log(`pulls: server repo ${server.repo}: a ${server.a.slice(0, 12)}, b ${server.b.slice(0, 12)} (ostree made the a→b delta in ${server.deltaSeconds.toFixed(1)} s)`);
  mkdirSync(work, { recursive: true });
  const nginx = await startNginx(server.repo);
  const serve = await osgitServe(cli, server.repo);
  const wanNginx = await latencyProxy(nginx.url);
  const wanServe = await latencyProxy(serve.url);
  const record = (id, tool, r, extra = {}) => {
    if (!r.ok) {
      rows[id].errors.push(`${tool}: ${r.error}`);
      log(`pulls: ${id} ${tool}: FAILED: ${r.error}`);
      return;
    }
    rows[id][tool].push({ wallSeconds: r.wallSeconds, peakKiB: r.peakKiB, ...extra });
    log(`pulls: ${id} ${tool}: ${seconds(r.wallSeconds)}, ${mebibytes(r.peakKiB)}${extra.bytes != null ? `, ${extra.bytes} bytes` : ''}`);
  };
  const base = { cli, work, timeoutSeconds, ref: 'bench/b', expect: server.b };
  try {
    for (let run = 1; run <= runs; run++) {
      log(`pulls: run ${run} of ${runs}`);
      if (want('fresh-loopback-smart') || want('fresh-loopback-dumb')) {
        const o = timedPull({ ...base, tool: 'ostree', name: 'lb', url: nginx.url });
        record('fresh-loopback-smart', 'ostree', o);
        record('fresh-loopback-dumb', 'ostree', o);
        const s = timedPull({ ...base, tool: 'osgit', name: 'lb-smart', url: serve.url, extra: ['--protocol', 'smart'] });
        record('fresh-loopback-smart', 'osgit', s);
        record('memory-pull-smart', 'osgit', s);
        const d = timedPull({ ...base, tool: 'osgit', name: 'lb-dumb', url: nginx.url, extra: ['--protocol', 'dumb'] });
        record('fresh-loopback-dumb', 'osgit', d);
        record('memory-pull-dumb', 'osgit', d);
      }
      if (want('fresh-wan-smart') || want('fresh-wan-dumb')) {
        const o = timedPull({ ...base, tool: 'ostree', name: 'wan', url: wanNginx.url });
        record('fresh-wan-smart', 'ostree', o);
        record('fresh-wan-dumb', 'ostree', o);
        if (want('fresh-wan-smart')) record('fresh-wan-smart', 'osgit', timedPull({ ...base, tool: 'osgit', name: 'wan-smart', url: wanServe.url, extra: ['--protocol', 'smart'] }));
        if (want('fresh-wan-dumb')) record('fresh-wan-dumb', 'osgit', timedPull({ ...base, tool: 'osgit', name: 'wan-dumb', url: wanNginx.url, extra: ['--protocol', 'dumb'] }));
      }
      // Incremental: the client holds rootfs-a (pulled over loopback, not measured), then pulls b.
      const holdingA = (fastUrl, slowUrl) => (c, repo) => {
        setRemoteUrl(repo, fastUrl);
        const [cmd, args] = c.pull(repo, 'origin', 'bench/a');
        run1(cmd, args);
        setRemoteUrl(repo, slowUrl);
      };
      if (want('incr-wan-smart')) {
        record('incr-wan-smart', 'ostree', timedPull({ ...base, tool: 'ostree', name: 'incr-wan', url: wanNginx.url, before: holdingA(nginx.url, wanNginx.url) }));
        record('incr-wan-smart', 'osgit', timedPull({ ...base, tool: 'osgit', name: 'incr-wan', url: wanServe.url, extra: ['--protocol', 'smart'], before: holdingA(serve.url, wanServe.url) }));
      }
      if (want('incr-bytes') && run === 1) {
        for (const [tool, target, extra] of [['ostree', nginx.url, ['--disable-static-deltas']], ['osgit', serve.url, ['--protocol', 'smart']]]) {
          const counter = await countProxy(target, join(work, `counts-${tool}.json`));
          const r = timedPull({ ...base, tool, name: 'incr-bytes', url: counter.url, extra, before: holdingA(target, counter.url) });
          await counter.stop();
          const { up, down } = counter.counts();
          record('incr-bytes', tool, r, { bytes: up + down, up, down });
        }
      }
    }
  } finally {
    await Promise.all([wanNginx.stop(), wanServe.stop(), serve.stop(), nginx.stop()]);
  }
  if (want('memory-serve-1g')) {
    const big = await ensureBigRepo(cli, corpus, log);
    const bigServe = await osgitServe(cli, big);
    try {
      const r = timedPull({ ...base, tool: 'osgit', name: 'big', url: bigServe.url, ref: 'big', expect: run1(process.execPath, [cli, 'rev-parse', '--repo', big, 'big']), extra: ['--protocol', 'smart'] });
      const peak = peakRssKiB(bigServe.pid);
      record('memory-serve-1g', 'osgit', { ...r, peakKiB: peak });
    } finally {
      await bigServe.stop();
    }
  }
  return { rows, server: { a: server.a, b: server.b, deltaSeconds: server.deltaSeconds }, wan: WAN };
}

const MiB = 1024;

export function renderPulls(result) {
  const lines = ['', '## Remotes: pull and serve', ''];
  lines.push(
    `Server repository made by ostree (archive; bench/a = rootfs-a, bench/b = rootfs-b); ostree pulls from nginx, ` +
      `osgit's smart pull from \`osgit serve\` and its dumb pull from the same nginx; every pull lands in a fresh ` +
      `bare-user repository and must end on the same commit. Wide-area rows go through ` +
      `latency-proxy.mjs (${result.wan.rttMs} ms RTT, ${result.wan.mbit} Mbit/s). ostree had a static delta ` +
      `a→b generated in advance (${result.server.deltaSeconds.toFixed(1)} s); osgit had none. Bytes are counted ` +
      `by a relay in both directions, headers included.`,
    '',
  );
  lines.push('| case | ostree | osgit | ratio | target | ok? |', '| --- | ---: | ---: | ---: | --- | --- |');
  for (const m of PULL_MEASUREMENTS) {
    const row = result.rows[m.id];
    if (!row.ostree.length && !row.osgit.length && !row.errors.length) continue;
    const med = (samples, key) => median(samples.map((s) => s[key]));
    let o = '—';
    let g = '—';
    let ratio = null;
    let target = '';
    let ok = '—';
    if (m.kind === 'time') {
      const [to, tg] = [med(row.ostree, 'wallSeconds'), med(row.osgit, 'wallSeconds')];
      o = to == null ? '—' : `${seconds(to)} · ${mebibytes(med(row.ostree, 'peakKiB'))}`;
      g = tg == null ? '—' : `${seconds(tg)} · ${mebibytes(med(row.osgit, 'peakKiB'))}`;
      ratio = to && tg != null ? tg / to : null;
      target = `≤ ${m.target.toFixed(2)}×`;
      ok = ratio == null ? '—' : ratio <= m.target ? 'yes' : '**no**';
    } else if (m.kind === 'bytes') {
      const [bo, bg] = [med(row.ostree, 'bytes'), med(row.osgit, 'bytes')];
      o = bo == null ? '—' : `${(bo / 2 ** 20).toFixed(1)} MiB`;
      g = bg == null ? '—' : `${(bg / 2 ** 20).toFixed(1)} MiB`;
      ratio = bo && bg != null ? bg / bo : null;
      target = `≤ ${m.target.toFixed(2)}×`;
      ok = ratio == null ? '—' : ratio <= m.target ? 'yes' : '**no**';
    } else {
      const pg = med(row.osgit, 'peakKiB');
      g = mebibytes(pg);
      target = `≤ ${m.limitMiB} MiB`;
      ok = pg == null ? '—' : pg <= m.limitMiB * MiB ? 'yes' : '**no**';
    }
    const errors = row.errors.length ? ` (errors: ${row.errors.join('; ').replace(/\|/g, '\\|')})` : '';
    lines.push(`| ${m.label}${errors} | ${o} | ${g} | ${ratio == null ? '—' : `${ratio.toFixed(2)}×`} | ${target} | ${ok} |`);
  }
  lines.push('', 'Cells: median wall time · median peak RSS of the client (GNU time); memory rows: osgit peak RSS.', '');
  return lines.join('\n');
}
