// Turns measurements into the Markdown report printed by bench/run.mjs and kept in
// bench/results.md.

const MiB = 1024;

export function median(values) {
  const sorted = values.filter((v) => v != null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const seconds = (s) => (s == null ? '?' : s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`);
export const mebibytes = (kib) => (kib == null ? '?' : `${(kib / MiB).toFixed(kib < 10 * MiB ? 1 : 0)} MiB`);

/** Median wall time and peak RSS of one tool's samples for one measurement, or null. */
export function summarize(entry) {
  if (!entry || entry.samples.length === 0) return null;
  return {
    wallSeconds: median(entry.samples.map((s) => s.wallSeconds)),
    peakKiB: median(entry.samples.map((s) => s.peakKiB)),
  };
}

const cellText = (text) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

function cell(measurement, entry, toolRan) {
  if (!toolRan) return 'not run';
  if (entry?.error) return cellText(`error: ${entry.error}`);
  const s = summarize(entry);
  if (!s) return 'not run';
  return measurement.kind === 'time'
    ? `${seconds(s.wallSeconds)} · ${mebibytes(s.peakKiB)}`
    : `${mebibytes(s.peakKiB)} · ${seconds(s.wallSeconds)}`;
}

/** Ratio, target and verdict columns of one row. */
function judge(measurement, results) {
  const row = results.measurements[measurement.id];
  const ours = summarize(row.osgit);
  const theirs = summarize(row.ostree);
  const value = (s) => (measurement.kind === 'time' ? s?.wallSeconds : s?.peakKiB);
  const ratio = ours && theirs && value(theirs) ? value(ours) / value(theirs) : null;
  const ratioText = ratio == null ? '—' : `${ratio.toFixed(2)}×`;
  const [ratioCell, target, ok] = verdict(measurement, results, row, ours, ratio, ratioText);
  return [ratioCell, target, row.mismatch ? `**${row.mismatch}**` : ok];
}

function verdict(measurement, results, row, ours, ratio, ratioText) {
  if (measurement.kind === 'time') {
    const target = `≤ ${measurement.target.toFixed(2)}×`;
    if (row.osgit?.error) return [ratioText, target, '**error**'];
    return [ratioText, target, ratio == null ? '—' : ratio <= measurement.target ? 'yes' : '**no**'];
  }
  if (measurement.targetMiB != null) {
    const target = `osgit ≤ ${measurement.targetMiB} MiB`;
    if (row.osgit?.error) return [ratioText, target, '**error**'];
    if (!ours) return [ratioText, target, '—'];
    return [ratioText, target, ours.peakKiB <= measurement.targetMiB * MiB ? 'yes' : '**no**'];
  }
  const base = summarize(results.measurements[measurement.targetOf].osgit);
  const target = `osgit ≤ ${measurement.factor}× its ${measurement.targetOf.split('/').pop()} peak`;
  if (row.osgit?.error) return [ratioText, target, '**error**'];
  if (!ours || !base) return [ratioText, target, '—'];
  const growth = ours.peakKiB / base.peakKiB;
  return [ratioText, target, `${growth <= measurement.factor ? 'yes' : '**no**'} (${growth.toFixed(2)}×)`];
}

export function renderReport(results, measurements) {
  const { meta } = results;
  const lines = [];
  lines.push('# osgit vs ostree', '');
  lines.push(`- date: ${meta.date}`);
  lines.push(
    `- machine: ${meta.nproc} CPUs (${meta.cpu}), ${meta.memGiB} GiB RAM, Linux ${meta.kernel}, ` +
      `work dir on ${meta.workFs}`,
  );
  lines.push(`- software: Node ${meta.node}, ostree ${meta.ostree}, osgit ${meta.osgit}`);
  lines.push(`- corpus: ${meta.corpusText}`);
  // The start-up case alone: bench/lib/startup.mjs renders its own section and method.
  if (results.selected.length === 0) return [...lines, `- command: \`${meta.command}\``, ''].join('\n');
  lines.push(
    `- method: ${meta.runs} run(s) per case, median shown, after one warm-up; wall time, and peak ` +
      `RSS from GNU time; fresh work dirs under ${meta.work}; command \`${meta.command}\``,
  );
  lines.push('');
  lines.push('| case | ostree | osgit | ratio | target | ok? |');
  lines.push('| --- | ---: | ---: | ---: | --- | --- |');
  for (const m of measurements) {
    if (!results.selected.includes(m.id)) continue;
    const row = results.measurements[m.id];
    const [ratio, target, ok] = judge(m, results);
    lines.push(
      `| ${m.label} | ${cell(m, row.ostree, results.tools.includes('ostree'))} | ` +
        `${cell(m, row.osgit, results.tools.includes('osgit'))} | ${ratio} | ${target} | ${ok} |`,
    );
  }
  lines.push('');
  lines.push('Cells: median wall time · median peak RSS (memory rows: peak RSS · wall time). ' +
    'Ratio is osgit / ostree.');
  if (results.problems.length) {
    lines.push('', '## Problems', '');
    for (const problem of results.problems) lines.push(`- **${cellText(problem)}**`);
  }
  if (results.notes.length) {
    lines.push('', '## Notes', '');
    for (const note of results.notes) lines.push(`- ${note}`);
  }
  lines.push('', '## Samples', '');
  lines.push('| case | tool | wall times | peak RSS | commit / checkout |');
  lines.push('| --- | --- | --- | --- | --- |');
  for (const m of measurements) {
    if (!results.selected.includes(m.id)) continue;
    for (const tool of results.tools) {
      const entry = results.measurements[m.id][tool];
      if (!entry || entry.samples.length === 0) continue;
      const walls = entry.samples.map((s) => s.wallSeconds.toFixed(2)).join(', ');
      const peaks = entry.samples.map((s) => (s.peakKiB == null ? '?' : (s.peakKiB / MiB).toFixed(1))).join(', ');
      const identity = [...new Set(entry.checksums)].map((c) => c.slice(0, 12)).join(', ') ||
        (entry.tree ? `${entry.tree.entries} entries, ${entry.tree.hardlinked}/${entry.tree.files} files hardlinked, ${entry.tree.digest.slice(0, 12)}` : '');
      lines.push(`| ${m.label} | ${tool} | ${walls} s | ${peaks} MiB | ${identity} |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
