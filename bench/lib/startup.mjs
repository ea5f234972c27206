// The start-up case: how long a small command takes as a whole process, against `node -e 0` (the
// least any Node program pays) and, for reference, ostree doing the same. Commands run in
// rounds, each round in a different order, so that load from other work on the machine falls on
// all of them alike; medians of many rounds.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './measure.mjs';
import { median, mebibytes } from './report.mjs';

const REF = 'startup/a';

/** What the target is measured against, the measured commands, and the references. */
function commands(cli, repo, withOstree) {
  const node = (args) => [process.execPath, args];
  return [
    { id: 'node', label: 'node -e 0', run: node(['-e', '0']) },
    { id: 'osgit-version', label: 'osgit --version', run: node([cli, '--version']), target: 2.0, reference: 'ostree-version' },
    { id: 'osgit-rev-parse', label: 'osgit rev-parse REF', run: node([cli, 'rev-parse', '--repo', repo, REF]), target: 2.0, reference: 'ostree-rev-parse' },
    ...(withOstree
      ? [
          { id: 'ostree-version', label: 'ostree --version', run: ['ostree', ['--version']] },
          { id: 'ostree-rev-parse', label: 'ostree rev-parse REF', run: ['ostree', [`--repo=${repo}`, 'rev-parse', REF]] },
        ]
      : []),
  ];
}

/** A one-commit archive repository for rev-parse, made with osgit itself. */
function makeRepo(cli, work) {
  const repo = join(work, 'repo');
  const tree = mkdtempSync(join(work, 'tree-'));
  for (const args of [
    ['init', '--repo', repo, '--mode', 'archive'],
    ['commit', '--repo', repo, '-b', REF, '--timestamp=@1700000000', '-s', 'startup', tree],
  ]) {
    const child = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`osgit ${args[0]} failed: ${child.stderr.trim()}`);
  }
  return repo;
}

/**
 * Runs every command `runs` times (after one warm-up run each).
 * @returns {{ runs: number, rows: Array<{ id, label, target?, reference?, samples: Array<{wallSeconds, peakKiB}>, error?: string }> }}
 */
export function measureStartup({ cli, work, runs, withOstree, log }) {
  mkdirSync(work, { recursive: true });
  const rows = commands(cli, makeRepo(cli, work), withOstree).map((c) => ({ ...c, samples: [] }));
  for (const row of rows) {
    const warm = measure(...row.run);
    if (!warm.ok) row.error = warm.error;
  }
  for (let round = 0; round < runs; round++) {
    const live = rows.filter((row) => !row.error);
    // Rotate the order every round: no command always runs first, or right after the same one.
    const order = live.map((_, i) => live[(i + round) % live.length]);
    for (const row of order) {
      const result = measure(...row.run);
      if (!result.ok) row.error = result.error;
      else row.samples.push({ wallSeconds: result.wallSeconds, peakKiB: result.peakKiB });
    }
  }
  for (const row of rows) {
    const wall = median(row.samples.map((s) => s.wallSeconds));
    log(`startup: ${row.label}: ${row.error ? `FAILED: ${row.error}` : `median ${ms(wall)} of ${row.samples.length}`}`);
  }
  return { runs, rows: rows.map(({ run: _run, ...row }) => row) };
}

const ms = (s) => (s == null ? '?' : `${(s * 1000).toFixed(0)} ms`);

/** True when a measured row is over its target (or failed). */
export function startupFailed(startup) {
  return startup.rows.some((row) => row.target && verdict(startup, row).ok !== true);
}

function verdict(startup, row) {
  const base = median(startup.rows.find((r) => r.id === 'node').samples.map((s) => s.wallSeconds));
  const wall = median(row.samples.map((s) => s.wallSeconds));
  if (row.error || wall == null || !base) return { ratio: null, ok: null };
  const ratio = wall / base;
  return { ratio, ok: ratio <= row.target };
}

/** The start-up section of bench/results.md. */
export function renderStartup(startup) {
  const cell = (row) => {
    if (!row) return 'not run';
    if (row.error) return `error: ${row.error.replace(/\|/g, '\\|')}`;
    const s = row.samples;
    return `${ms(median(s.map((x) => x.wallSeconds)))} · ${mebibytes(median(s.map((x) => x.peakKiB)))}`;
  };
  const byId = new Map(startup.rows.map((row) => [row.id, row]));
  const lines = ['', '## Start-up', ''];
  lines.push(`Whole processes, median of ${startup.runs} rounds (each round runs every command once, in a rotating order). ` +
    'Ratio is osgit / `node -e 0`; ostree is shown for reference.', '');
  lines.push('| command | node -e 0 | osgit | ratio | target | ok? | ostree (reference) |');
  lines.push('| --- | ---: | ---: | ---: | --- | --- | ---: |');
  for (const row of startup.rows.filter((r) => r.target)) {
    const { ratio, ok } = verdict(startup, row);
    lines.push(`| ${row.label} | ${cell(byId.get('node'))} | ${cell(row)} | ${ratio == null ? '—' : `${ratio.toFixed(2)}×`} | ` +
      `≤ ${row.target.toFixed(2)}× | ${ok == null ? '**error**' : ok ? 'yes' : '**no**'} | ${cell(byId.get(row.reference))} |`);
  }
  lines.push('', '| command | wall times (ms) |', '| --- | --- |');
  for (const row of startup.rows) {
    lines.push(`| ${row.label} | ${row.samples.map((s) => (s.wallSeconds * 1000).toFixed(0)).join(', ') || '—'} |`);
  }
  return lines.join('\n');
}
