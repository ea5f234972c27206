#!/usr/bin/env node
// osgit against ostree, side by side, on the same trees in one run (DESIGN.md §8).
//
//   node bench/run.mjs [--runs N] [--only CASE[,CASE]] [--tool ostree|osgit|both]
//                      [--corpus DIR] [--json OUT.json] [--work DIR] [--timeout SECONDS]
//                      [--startup-runs N] [--report OUT.md]
//
// Builds (or reuses) the corpus with ../shared/bench/make-corpus.sh plus a synthetic
// 200,000-file tree, warms the page cache and both tools up once, then runs every case N times
// per tool (tools alternate which goes first), each run in fresh work dirs. Prints a Markdown
// table (medians, ratio osgit/ostree, target) and writes it to bench/results.md (or --report). Both tools
// must make the same commit checksum for the same tree and flags; a mismatch is reported loudly
// and makes the exit status 2. A failing tool shows its error in the table; the run goes on.
// The `startup` case (bench/lib/startup.mjs) needs no corpus: small osgit commands as whole
// processes against `node -e 0`, medians of --startup-runs rounds. The history cases `status`,
// `worktree-commit` and `merge` (bench/lib/history.mjs) measure osgit against git and against
// itself (a commit afresh); a command missing from the build leaves its case "not available".
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { assertGnuTime, checksumFromOutput, measure } from './lib/measure.mjs';
import { mebibytes, renderReport, seconds, summarize } from './lib/report.mjs';
import { measureStartup, renderStartup } from './lib/startup.mjs';
import { measurePulls, renderPulls } from './lib/pulls.mjs';
import { HISTORY_CASES, measureHistory, renderHistory } from './lib/history.mjs';
import { PRUNE_CASES, measurePrune, renderPrune } from './lib/prune.mjs';
import { VERIFY_PULL_CASES, measureVerifyPull, renderVerifyPull } from './lib/verify-pull.mjs';
import { ensureSyntheticTree, syntheticTreeName } from './lib/synthetic-tree.mjs';
import { treeDigest } from './lib/tree-digest.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REF = 'bench/a';
const COMMIT_FLAGS = ['--timestamp=@1700000000', '-s', 'bench'];

/** Rows of the table, in order. `case` is what --only selects. */
const MEASUREMENTS = [
  { id: 'commit-archive', case: 'commit-archive', label: 'commit-archive', kind: 'time', target: 0.6 },
  { id: 'recommit-archive', case: 'recommit-archive', label: 'recommit-archive', kind: 'time', target: 0.25 },
  { id: 'commit-bare-user', case: 'commit-bare-user', label: 'commit-bare-user', kind: 'time', target: 1.0 },
  { id: 'checkout-hardlink-bare-user', case: 'checkout-hardlink-bare-user', label: 'checkout-hardlink-bare-user', kind: 'time', target: 2.0 },
  { id: 'checkout-archive', case: 'checkout-archive', label: 'checkout-archive', kind: 'time', target: 1.0 },
  { id: 'checkout-archive-root', case: 'checkout-archive-root', label: 'checkout-archive-root (no -U, as root)', kind: 'time', target: 1.0 },
  { id: 'memory-commit/rootfs-a', case: 'memory-commit', label: 'memory-commit rootfs-a (archive)', kind: 'rss', targetMiB: 300 },
  { id: 'memory-commit/200k-files', case: 'memory-commit', label: 'memory-commit 200k files (archive)', kind: 'rss', targetOf: 'memory-commit/rootfs-a', factor: 1.5 },
];
const CASES = [...new Set(MEASUREMENTS.map((m) => m.case)), 'startup', 'pulls', ...HISTORY_CASES, ...PRUNE_CASES, ...VERIFY_PULL_CASES];
const TOOL_NAMES = ['ostree', 'osgit'];

// OSGIT_BENCH_CLI points the harness at another entry point (to test the harness itself).
const OSGIT_CLI = process.env.OSGIT_BENCH_CLI ?? join(repoRoot, 'packages/cli/bin/run.js');

/** How each tool spells the three operations. Each returns [command, args]. */
function toolCommands(name) {
  if (name === 'ostree') {
    return {
      init: (repo, mode) => ['ostree', [`--repo=${repo}`, 'init', `--mode=${mode}`]],
      commit: (repo, dir) => ['ostree', [`--repo=${repo}`, 'commit', '-b', REF, ...COMMIT_FLAGS, `--tree=dir=${dir}`]],
      checkout: (repo, dir, hardlink, user = true) =>
        ['ostree', [`--repo=${repo}`, 'checkout', ...(user ? ['-U'] : []), ...(hardlink ? ['-H'] : []), REF, dir]],
    };
  }
  const osgit = (...args) => [process.execPath, [OSGIT_CLI, ...args]];
  return {
    init: (repo, mode) => osgit('init', '--repo', repo, '--mode', mode),
    commit: (repo, dir) => osgit('commit', '--repo', repo, '-b', REF, ...COMMIT_FLAGS, `--tree=dir=${dir}`),
    checkout: (repo, dir, hardlink, user = true) =>
      osgit('checkout', '--repo', repo, ...(user ? ['-U'] : []), ...(hardlink ? ['-H'] : []), REF, dir),
  };
}

/**
 * One run of one tool, as groups of steps sharing a repo. A step with `id` is measured when
 * that measurement is selected; otherwise it runs unmeasured if a later step needs it
 * (`optional` steps are simply skipped).
 */
function scenario(tool, work, trees) {
  const t = toolCommands(tool);
  const archive = join(work, 'repo-archive');
  const bareUser = join(work, 'repo-bare-user');
  return [
    {
      steps: [
        { label: 'init archive repo', run: () => t.init(archive, 'archive') },
        { label: 'commit rootfs-a', id: 'commit-archive', commit: true, run: () => t.commit(archive, trees.rootfsA) },
        { label: 'commit rootfs-a again', id: 'recommit-archive', optional: true, commit: true, run: () => t.commit(archive, trees.rootfsA) },
        { label: 'checkout -U', id: 'checkout-archive', optional: true, checkout: join(work, 'co-archive'), run: () => t.checkout(archive, join(work, 'co-archive'), false) },
        // Ownership and xattrs applied (needs root); ostree writes no uncompressed-object cache here.
        { label: 'checkout (as root)', id: 'checkout-archive-root', optional: true, checkout: join(work, 'co-archive-root'), run: () => t.checkout(archive, join(work, 'co-archive-root'), false, false) },
      ],
    },
    {
      steps: [
        { label: 'init bare-user repo', run: () => t.init(bareUser, 'bare-user') },
        { label: 'commit rootfs-a', id: 'commit-bare-user', commit: true, run: () => t.commit(bareUser, trees.rootfsA) },
        { label: 'checkout -U -H', id: 'checkout-hardlink-bare-user', optional: true, checkout: join(work, 'co-hardlink'), run: () => t.checkout(bareUser, join(work, 'co-hardlink'), true) },
      ],
    },
    {
      steps: [
        { label: 'init archive repo', run: () => t.init(join(work, 'repo-memory-a'), 'archive') },
        { label: 'commit rootfs-a', id: 'memory-commit/rootfs-a', optional: true, commit: true, run: () => t.commit(join(work, 'repo-memory-a'), trees.rootfsA) },
      ],
    },
    {
      steps: [
        { label: 'init archive repo', run: () => t.init(join(work, 'repo-memory-s'), 'archive') },
        { label: 'commit 200k files', id: 'memory-commit/200k-files', optional: true, commit: true, run: () => t.commit(join(work, 'repo-memory-s'), trees.synthetic) },
      ],
    },
  ];
}

// ---------------------------------------------------------------------------------------------

function parseOptions() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      only: { type: 'string', multiple: true },
      tool: { type: 'string', default: 'both' },
      corpus: { type: 'string' },
      json: { type: 'string' },
      work: { type: 'string', default: '/var/tmp/osgit-bench' },
      timeout: { type: 'string', default: '1800' },
      'startup-runs': { type: 'string', default: '21' },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: node bench/run.mjs [--runs N] [--only CASE[,CASE]] [--tool ostree|osgit|both]\n' +
        '                          [--corpus DIR] [--json OUT.json] [--work DIR] [--timeout SECONDS]\n' +
        '                          [--startup-runs N] [--report OUT.md]\n' +
        `cases: ${CASES.join(', ')}`,
    );
    process.exit(0);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer, not ${values.runs}`);
  const only = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const name of only) if (!CASES.includes(name)) fail(`unknown case ${name}; cases: ${CASES.join(', ')}`);
  const tools = values.tool === 'both' ? TOOL_NAMES : [values.tool];
  if (!tools.every((tool) => TOOL_NAMES.includes(tool))) fail(`--tool must be ostree, osgit or both`);
  const startupRuns = Number(values['startup-runs']);
  if (!Number.isInteger(startupRuns) || startupRuns < 1) fail(`--startup-runs must be a positive integer, not ${values['startup-runs']}`);
  const timeoutSeconds = Number(values.timeout);
  if (!(timeoutSeconds > 0)) fail(`--timeout must be a number of seconds`);
  return {
    runs,
    selected: MEASUREMENTS.filter((m) => only.length === 0 || only.includes(m.case)).map((m) => m.id),
    startup: (only.length === 0 || only.includes('startup')) && tools.includes('osgit'),
    pulls: (only.length === 0 || only.includes('pulls')) && tools.length === 2,
    // The prune case (bench/lib/prune.mjs) needs both tools: they must leave the same objects.
    prune: (only.length === 0 || only.includes('prune')) && tools.length === 2,
    // The verifying-pull case (bench/lib/verify-pull.mjs) measures osgit against itself.
    verifyPull: (only.length === 0 || only.includes('verify-pull')) && tools.includes('osgit'),
    // The history cases (bench/lib/history.mjs) measure osgit against git and itself.
    history: tools.includes('osgit') ? HISTORY_CASES.filter((c) => only.length === 0 || only.includes(c)) : [],
    startupRuns,
    tools,
    corpus: values.corpus ? resolve(values.corpus) : undefined,
    json: values.json ? resolve(values.json) : undefined,
    report: resolve(values.report ?? join(repoRoot, 'bench', 'results.md')),
    work: resolve(values.work),
    timeoutSeconds,
  };
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

const log = (message) => console.error(`bench: ${message}`);

function loud(message) {
  const bar = '!'.repeat(Math.min(100, message.length + 8));
  console.error(`\n${bar}\n!!! ${message}\n${bar}\n`);
}

function removeTree(dir) {
  spawnSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'inherit' });
}

/** Runs make-corpus.sh; the folder is the last line it prints. */
function buildCorpus(requested) {
  const script = resolve(repoRoot, '..', 'shared', 'bench', 'make-corpus.sh');
  const fallback = requested ?? process.env.OSGIT_CORPUS ?? '/var/tmp/osgit-corpus';
  if (!existsSync(script)) {
    if (existsSync(join(fallback, 'rootfs-a.complete'))) {
      log(`${script} not found; using the corpus already in ${fallback}`);
      return fallback;
    }
    fail(`${script} not found, and no corpus in ${fallback}`);
  }
  log(`corpus: bash ${script}${requested ? ` ${requested}` : ''}`);
  const child = spawnSync('bash', [script, ...(requested ? [requested] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const dir = child.stdout?.trim().split('\n').pop()?.trim();
  if (child.status === 0 && dir && existsSync(join(dir, 'rootfs-a'))) return dir;
  if (existsSync(join(fallback, 'rootfs-a.complete'))) {
    log(`make-corpus.sh failed (exit ${child.status}); using the corpus already in ${fallback}`);
    return fallback;
  }
  fail(`make-corpus.sh failed (exit ${child.status}) and there is no corpus in ${fallback}`);
}

function treeSize(root) {
  let entries = 0;
  let bytes = 0;
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const st = lstatSync(join(dir, name));
      entries++;
      if (st.isDirectory()) walk(join(dir, name));
      else bytes += st.size;
    }
  };
  walk(root);
  return `${entries.toLocaleString('en')} entries, ${mebibytes(bytes / 1024)}`;
}

/** Reads every file once so that neither tool pays for the first cold read. */
function warmPageCache(dir) {
  spawnSync('sh', ['-c', 'tar -cf - -C "$1" . | cat >/dev/null', 'sh', dir], { stdio: 'inherit' });
}

function capture(command, args) {
  const child = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return child.status === 0 ? child.stdout.trim() : null;
}

function describeMachine(options, corpusText) {
  const ostree = capture('ostree', ['--version'])?.match(/Version:\s*'?([^'\n]+)'?/)?.[1] ?? 'not found';
  const rev = capture('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD']);
  const dirty = capture('git', ['-C', repoRoot, 'status', '--porcelain', '--untracked-files=no']);
  mkdirSync(options.work, { recursive: true });
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown CPU',
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    workFs: capture('findmnt', ['-n', '-o', 'FSTYPE', '-T', options.work]) ??
      capture('stat', ['-f', '-c', '%T', options.work]) ?? 'unknown',
    node: process.version,
    ostree,
    osgit: rev ? `${rev}${dirty ? ' (with uncommitted changes)' : ''}` : 'unknown revision',
    corpusText,
    runs: options.runs,
    work: options.work,
    command: ['node', 'bench/run.mjs', ...process.argv.slice(2)].join(' '),
  };
}

/** Runs one step; returns the measurement result (with `error` when it failed). */
function runStep(step, options) {
  const [command, args] = step.run();
  const result = measure(command, args, { cwd: repoRoot, timeoutSeconds: options.timeoutSeconds });
  if (result.ok && step.commit) {
    result.checksum = checksumFromOutput(result.stdout);
    if (!result.checksum) {
      result.ok = false;
      result.error = `no commit checksum on the last line of its output (${JSON.stringify(result.stdout.trim().split('\n').pop() ?? '')})`;
    }
  }
  return result;
}

function runScenario(tool, run, options, trees, results) {
  const work = join(options.work, tool);
  removeTree(work);
  mkdirSync(work, { recursive: true });
  const wanted = (id) => id && results.selected.includes(id);
  const failed = (id) => results.measurements[id]?.[tool]?.error;
  for (const group of scenario(tool, work, trees)) {
    const measured = group.steps.map((s) => s.id).filter(wanted);
    // Skip a group with nothing to measure, or whose every case already failed for this tool.
    if (measured.length === 0 || measured.every(failed)) continue;
    for (const step of group.steps) {
      if (step.optional && (!wanted(step.id) || failed(step.id))) continue;
      const result = runStep(step, options);
      const name = wanted(step.id) ? step.id : `(setup) ${step.label}`;
      if (!result.ok) {
        const message = wanted(step.id) ? result.error : `${step.label} failed: ${result.error}`;
        log(`run ${run} ${tool} ${name}: FAILED: ${result.error}`);
        // This step and every later measured step of the group cannot be measured this run.
        const rest = group.steps.slice(group.steps.indexOf(step)).map((s) => s.id).filter(wanted);
        for (const id of rest) results.measurements[id][tool].error ??= message;
        break;
      }
      log(
        `run ${run} ${tool} ${name}: ${seconds(result.wallSeconds)}, ${mebibytes(result.peakKiB)}` +
          (result.checksum ? `, ${result.checksum}` : ''),
      );
      if (!wanted(step.id)) continue;
      const entry = results.measurements[step.id][tool];
      entry.samples.push({ wallSeconds: result.wallSeconds, peakKiB: result.peakKiB });
      if (result.checksum) entry.checksums.push(result.checksum);
      if (step.checkout && !entry.tree) {
        entry.tree = treeDigest(step.checkout);
        log(`run ${run} ${tool} ${step.id}: checkout has ${entry.tree.entries} entries, ` +
          `${entry.tree.hardlinked}/${entry.tree.files} files hardlinked, digest ${entry.tree.digest.slice(0, 16)}`);
      }
    }
  }
  removeTree(work);
}

/** Commit checksums and checkouts must agree between runs and between tools. */
function crossCheck(results) {
  for (const id of results.selected) {
    const row = results.measurements[id];
    for (const tool of results.tools) {
      const distinct = [...new Set(row[tool].checksums)];
      if (distinct.length > 1) results.problems.push(`${id}: ${tool} made different checksums in different runs: ${distinct.join(', ')}`);
    }
    if (results.tools.length < 2) continue;
    const [a, b] = [row.ostree.checksums[0], row.osgit.checksums[0]];
    if (a && b && a !== b) {
      row.mismatch = 'checksum mismatch';
      results.problems.push(`CHECKSUM MISMATCH in ${id}: ostree ${a}, osgit ${b}`);
    }
    else if (a && b) results.notes.push(`${id}: both tools made commit ${a}`);
    const [ta, tb] = [row.ostree.tree, row.osgit.tree];
    if (ta && tb && ta.digest !== tb.digest) {
      row.mismatch = 'checkout differs';
      results.problems.push(`CHECKOUT MISMATCH in ${id}: ostree's tree (${ta.entries} entries) and osgit's (${tb.entries} entries) differ`);
    } else if (ta && tb) {
      results.notes.push(`${id}: both checkouts are identical (names, modes, symlinks, contents)`);
    }
  }
  if (results.selected.includes('checkout-archive')) {
    results.notes.push(
      "checkout-archive: by default ostree fills the repo's uncompressed-object cache and hardlinks the checkout to it; that work is in its time",
    );
  }
  const memoryA = summarize(results.measurements['memory-commit/rootfs-a']?.ostree);
  const memoryS = summarize(results.measurements['memory-commit/200k-files']?.ostree);
  if (memoryA && memoryS) {
    results.notes.push(`ostree's own 200k-files peak is ${(memoryS.peakKiB / memoryA.peakKiB).toFixed(2)}× its rootfs-a peak`);
  }
}

async function main() {
  const options = parseOptions();
  try {
    assertGnuTime();
  } catch (error) {
    fail(error.message);
  }
  if (options.tools.includes('ostree') && capture('ostree', ['--version']) == null) {
    fail('ostree not found: install it (apt-get install ostree)');
  }
  const corpus = options.selected.length || options.pulls || options.history.length || options.prune || options.verifyPull ? prepareCorpus(options) : null;
  const results = {
    meta: describeMachine(options, corpus?.text ?? 'none (start-up case only)'),
    tools: options.tools,
    selected: options.selected,
    measurements: Object.fromEntries(
      MEASUREMENTS.map((m) => [m.id, Object.fromEntries(options.tools.map((tool) => [tool, { samples: [], checksums: [] }]))]),
    ),
    problems: [],
    notes: [],
  };
  removeTree(options.work);
  mkdirSync(options.work, { recursive: true });
  if (corpus && options.selected.length) runCorpusCases(options, corpus.trees, results);
  if (options.startup) {
    log(`startup: ${options.startupRuns} rounds`);
    results.startup = measureStartup({
      cli: OSGIT_CLI,
      work: join(options.work, 'startup'),
      runs: options.startupRuns,
      withOstree: options.tools.includes('ostree'),
      log,
    });
    for (const row of results.startup.rows) {
      if (row.error && row.id.startsWith('osgit')) results.problems.push(`startup: ${row.label} failed: ${row.error}`);
    }
  }
  if (options.pulls) {
    results.pulls = await measurePulls({
      cli: OSGIT_CLI,
      corpus: corpus.dir,
      work: join(options.work, 'pulls'),
      runs: options.runs,
      log,
      timeoutSeconds: options.timeoutSeconds,
    });
    for (const [id, row] of Object.entries(results.pulls.rows)) {
      for (const error of row.errors) results.problems.push(`pulls: ${id}: ${error}`);
    }
  }
  if (options.history.length) {
    if (capture('git', ['--version']) == null) fail('git not found: install it (apt-get install git)');
    results.history = measureHistory({
      cli: OSGIT_CLI,
      corpus: corpus.dir,
      work: join(options.work, 'history'),
      runs: options.runs,
      log,
      timeoutSeconds: options.timeoutSeconds,
      only: options.history,
    });
    for (const [id, row] of Object.entries(results.history.rows)) {
      for (const error of row.errors) results.problems.push(`history: ${id}: ${error}`);
    }
  }
  if (options.prune) {
    results.prune = measurePrune({
      cli: OSGIT_CLI,
      corpus: corpus.dir,
      work: join(options.work, 'prune'),
      runs: options.runs,
      log,
      timeoutSeconds: options.timeoutSeconds,
    });
    for (const error of results.prune.rows.prune.errors) results.problems.push(`prune: ${error}`);
  }
  if (options.verifyPull) {
    results.verifyPull = await measureVerifyPull({
      cli: OSGIT_CLI,
      corpus: corpus.dir,
      work: join(options.work, 'verify-pull'),
      runs: options.runs,
      log,
      timeoutSeconds: options.timeoutSeconds,
    });
    for (const [id, row] of Object.entries(results.verifyPull.rows)) {
      for (const error of row.errors) results.problems.push(`verify-pull: ${id}: ${error}`);
    }
  }
  removeTree(options.work);

  crossCheck(results);
  for (const problem of results.problems) loud(problem);
  const report = renderReport(results, MEASUREMENTS) + (results.startup ? `${renderStartup(results.startup)}\n` : '') +
    (results.pulls ? `${renderPulls(results.pulls)}\n` : '') + (results.history ? `${renderHistory(results.history)}\n` : '') +
    (results.prune ? `${renderPrune(results.prune)}\n` : '') + (results.verifyPull ? `${renderVerifyPull(results.verifyPull)}\n` : '');
  console.log(`\n${report}`);
  writeFileSync(options.report, report);
  log(`wrote ${options.report}`);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);
    log(`wrote ${options.json}`);
  }
  const referenceFailed = results.selected.some((id) => results.measurements[id].ostree?.error);
  if (results.problems.length) process.exitCode = 2;
  else if (referenceFailed) process.exitCode = 1;
}

/** The corpus (built or reused) and the trees the cases commit. */
function prepareCorpus(options) {
  const corpus = buildCorpus(options.corpus);
  const needsSynthetic = options.selected.includes('memory-commit/200k-files');
  const trees = {
    rootfsA: join(corpus, 'rootfs-a'),
    synthetic: needsSynthetic ? ensureSyntheticTree(corpus, log) : join(corpus, syntheticTreeName()),
  };
  const text = `${corpus}: rootfs-a ${treeSize(trees.rootfsA)}` +
    (options.pulls || options.verifyPull || options.history.includes('merge') ? `; rootfs-b ${treeSize(join(corpus, 'rootfs-b'))}` : '') +
    (needsSynthetic ? `; ${syntheticTreeName()} ${treeSize(trees.synthetic)}` : '');
  log(text);
  return { dir: corpus, trees, text, needsSynthetic };
}

/** Warm-up, then every selected corpus case `options.runs` times per tool. */
function runCorpusCases(options, trees, results) {
  log('warm-up: reading the trees into the page cache, and one small commit and checkout per tool');
  warmPageCache(trees.rootfsA);
  if (options.selected.includes('memory-commit/200k-files')) warmPageCache(trees.synthetic);
  for (const tool of options.tools) {
    const t = toolCommands(tool);
    const dir = join(options.work, `warm-up-${tool}`);
    mkdirSync(dir, { recursive: true });
    for (const [command, args] of [
      t.init(join(dir, 'repo'), 'archive'),
      t.commit(join(dir, 'repo'), join(trees.rootfsA, 'etc')),
      t.checkout(join(dir, 'repo'), join(dir, 'co'), false),
    ]) {
      const result = measure(command, args, { cwd: repoRoot, timeoutSeconds: options.timeoutSeconds });
      if (!result.ok) {
        log(`warm-up: ${tool} failed: ${result.error}`);
        break;
      }
    }
    removeTree(dir);
  }

  for (let run = 1; run <= options.runs; run++) {
    // Alternate which tool goes first, so neither always inherits the other's cache state.
    const order = run % 2 ? options.tools : [...options.tools].reverse();
    for (const tool of order) runScenario(tool, run, options, trees, results);
  }
}

await main();
