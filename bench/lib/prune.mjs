// The prune case of issue 8: `osgit prune --refs-only` against `ostree prune --refs-only` on
// identical copies of one repository, which must end with the same objects.
//
// The repository is made once by the real ostree (archive mode) and kept beside the corpus:
// ref r/00 = rootfs-a, r/01..r/20 = rootfs-a with small changes (10 files each, layered on
// rootfs-a with --tree=ref), r/21 = rootfs-b, each a commit of its own; then the odd-numbered
// half of the refs is deleted (rootfs-b among them), so prune has commits, trees and contents to
// delete. Each run copies it (cp -a, not measured) once per tool and times the prune alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './measure.mjs';
import { median, mebibytes, seconds } from './report.mjs';

export const PRUNE_CASES = ['prune'];
const VERSION = 'prune-repo-v1';
const STEPS = 20;
const FILES_PER_STEP = 10;
const TARGET = 1.0;

const run1 = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ').slice(0, 200)} failed (${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`);
  return r.stdout.trim();
};

/** Regular files of a tree (relative paths, sorted), for picking the files each step changes. */
function regularFiles(root) {
  const out = [];
  const walk = (dir, rel) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk(root, '');
  return out.sort();
}

/** The source repository (built once, reused while VERSION stays). */
function ensureSourceRepo(corpus, log) {
  const dir = join(corpus, VERSION);
  const repo = join(dir, 'repo');
  if (existsSync(join(dir, '.complete'))) return repo;
  log(`prune: building ${repo} with ostree (rootfs-a, ${STEPS} small changes, rootfs-b)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ostree = (...args) => run1('ostree', [`--repo=${repo}`, ...args]);
  ostree('init', '--mode=archive');
  const rootfsA = join(corpus, 'rootfs-a');
  const commitFlags = (i) => [`--timestamp=@${1700000000 + i * 60}`, '-s', `step ${i}`, '--no-bindings'];
  ostree('commit', '-b', 'r/00', ...commitFlags(0), `--tree=dir=${rootfsA}`);
  const files = regularFiles(rootfsA);
  const stride = Math.max(1, Math.floor(files.length / (STEPS * FILES_PER_STEP)));
  for (let i = 1; i <= STEPS; i++) {
    const overlay = join(dir, `overlay-${i}`);
    for (let k = 0; k < FILES_PER_STEP; k++) {
      const rel = files[((i - 1) * FILES_PER_STEP + k) * stride % files.length];
      mkdirSync(join(overlay, rel, '..'), { recursive: true });
      writeFileSync(join(overlay, rel), Buffer.concat([readFileSync(join(rootfsA, rel)), Buffer.from(`\nstep ${i}\n`)]));
    }
    const name = `r/${String(i).padStart(2, '0')}`;
    ostree('commit', '-b', name, ...commitFlags(i), '--tree=ref=r/00', `--tree=dir=${overlay}`);
    rmSync(overlay, { recursive: true, force: true });
  }
  ostree('commit', '-b', `r/${STEPS + 1}`, ...commitFlags(STEPS + 1), `--tree=dir=${join(corpus, 'rootfs-b')}`);
  for (let i = 1; i <= STEPS + 1; i += 2) ostree('refs', '--delete', `r/${String(i).padStart(2, '0')}`);
  writeFileSync(join(dir, '.complete'), '');
  return repo;
}

/** Every file under objects/ (relative, sorted). */
function objectList(repo) {
  const out = [];
  const objects = join(repo, 'objects');
  for (const sub of readdirSync(objects).sort()) {
    for (const name of readdirSync(join(objects, sub)).sort()) out.push(`${sub}/${name}`);
  }
  return out;
}

/** `{ rows: { prune: { ostree: [...], osgit: [...], errors } }, source, objects }` */
export function measurePrune({ cli, corpus, work, runs, log, timeoutSeconds }) {
  const source = ensureSourceRepo(corpus, log);
  const row = { ostree: [], osgit: [], errors: [], same: null, before: objectList(source).length, after: {} };
  const commands = {
    ostree: (repo) => ['ostree', [`--repo=${repo}`, 'prune', '--refs-only']],
    osgit: (repo) => [process.execPath, [cli, 'prune', '--repo', repo, '--refs-only']],
  };
  for (let run = 1; run <= runs; run++) {
    const order = run % 2 ? ['ostree', 'osgit'] : ['osgit', 'ostree'];
    const lists = {};
    for (const tool of order) {
      const repo = join(work, tool, 'repo');
      rmSync(join(work, tool), { recursive: true, force: true });
      mkdirSync(join(work, tool), { recursive: true });
      run1('cp', ['-a', source, repo]);
      // Both tools start from a copy whose pages are in the cache and whose writes are on disk.
      spawnSync('sync');
      const [cmd, args] = commands[tool](repo);
      const r = measure(cmd, args, { timeoutSeconds, env: { ...process.env, NO_COLOR: '1' } });
      if (!r.ok) {
        row.errors.push(`${tool}: ${r.error}`);
        log(`prune run ${run} ${tool}: FAILED: ${r.error}`);
        continue;
      }
      const summary = r.stdout.trim().split('\n').filter((l) => /^(Total|Deleted|No unreachable)/.test(l)).join('; ');
      log(`prune run ${run} ${tool}: ${seconds(r.wallSeconds)}, ${mebibytes(r.peakKiB)}: ${summary}`);
      row[tool].push({ wallSeconds: r.wallSeconds, peakKiB: r.peakKiB, cpuSeconds: r.cpuSeconds, summary });
      lists[tool] = objectList(repo);
      row.after[tool] = lists[tool].length;
      rmSync(join(work, tool), { recursive: true, force: true });
    }
    if (lists.ostree && lists.osgit) {
      const same = lists.ostree.length === lists.osgit.length && lists.ostree.every((n, i) => n === lists.osgit[i]);
      row.same = (row.same ?? true) && same;
      if (!same) row.errors.push(`run ${run}: the repositories differ after prune (ostree ${lists.ostree.length} files under objects/, osgit ${lists.osgit.length})`);
    }
  }
  return { rows: { prune: row }, source };
}

export function renderPrune(result) {
  const row = result.rows.prune;
  const med = (samples, key) => median(samples.map((s) => s[key]));
  const [to, tg] = [med(row.ostree, 'wallSeconds'), med(row.osgit, 'wallSeconds')];
  const ratio = to && tg != null ? tg / to : null;
  const lines = ['', '## Garbage collection: prune', ''];
  lines.push(
    `Repository made by ostree (archive): rootfs-a, rootfs-a with ${STEPS} small changes (${FILES_PER_STEP} files each), ` +
      `rootfs-b, each under its own ref; the odd half of the refs deleted (rootfs-b among them). Each tool prunes ` +
      `an identical copy with \`prune --refs-only\`; the files left under objects/ must be the same.`,
    '',
    '| case | ostree | osgit | ratio | target | same objects? | ok? |',
    '| --- | ---: | ---: | ---: | --- | --- | --- |',
    `| prune --refs-only (${row.before} files under objects/ before) | ${to == null ? '—' : `${seconds(to)} · ${mebibytes(med(row.ostree, 'peakKiB'))}`} | ` +
      `${tg == null ? '—' : `${seconds(tg)} · ${mebibytes(med(row.osgit, 'peakKiB'))}`} | ${ratio == null ? '—' : `${ratio.toFixed(2)}×`} | ` +
      `≤ ${TARGET.toFixed(2)}× | ${row.same == null ? '—' : row.same ? `yes (${row.after.osgit} left)` : '**no**'} | ` +
      `${ratio == null || !row.same ? '—' : ratio <= TARGET ? 'yes' : '**no**'} |`,
  );
  if (row.ostree[0]) lines.push('', `ostree: ${row.ostree[0].summary}; osgit: ${row.osgit[0]?.summary ?? '—'}`);
  for (const e of row.errors) lines.push('', `error: ${e}`);
  return `${lines.join('\n')}\n`;
}
