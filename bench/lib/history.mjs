// The history cases of issue 7 (git semantics for OS trees), each against git or osgit itself:
//
//   status           `osgit status` in an unchanged worktree of rootfs-a against `git status
//                    --porcelain` over the very same folder (a git repository whose work tree is
//                    the osgit worktree, its .git kept outside), both as whole processes.
//   worktree-commit  `osgit commit` in that worktree after changing 10 files, against committing
//                    the whole of rootfs-a afresh into a new repository (ostree too, for scale).
//   merge            `osgit merge --into` of two branches of rootfs-b that each changed 100 other
//                    files, with the trees it read when it says (--json); `git merge` and `git
//                    merge-tree` of the same histories for information.
//
// A command that is missing from this build (an osgit without worktrees, say) leaves its case
// "not available" with the reason; the other cases still run.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { checksumFromOutput, measure } from './measure.mjs';
import { median, mebibytes, seconds } from './report.mjs';

/** Rows of the history table. */
export const HISTORY_MEASUREMENTS = [
  { id: 'status', case: 'status', label: 'status, unchanged worktree of rootfs-a', subject: '`osgit status`', reference: '`git status --porcelain`', kind: 'ratio', target: 10 },
  { id: 'worktree-commit', case: 'worktree-commit', label: 'commit of a rootfs-a worktree after changing 10 files', subject: '`osgit commit` (worktree)', reference: '`osgit commit` of the whole tree, fresh repo', kind: 'ratio', target: 0.1 },
  { id: 'merge', case: 'merge', label: 'merge of two rootfs-b branches, 100 changed files each', subject: '`osgit merge --into`', reference: '`git merge` (work tree)', kind: 'seconds', target: 2 },
];
export const HISTORY_CASES = HISTORY_MEASUREMENTS.map((m) => m.case);

const MODE = 'bare-user';
const CHANGED_FILES = { commit: 10, merge: 100 };
const STATUS_MIN_RUNS = 11;
const TS = { base: 1700000000, x: 1700000100, y: 1700000200 };

/** Environment for git: no system or user configuration, fixed identity and dates. */
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@osgit.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@osgit.invalid',
  GIT_AUTHOR_DATE: `@${TS.base} +0000`,
  GIT_COMMITTER_DATE: `@${TS.base} +0000`,
  LC_ALL: 'C',
};
const OSGIT_ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', OSGIT_REPO: '' };

/** Runs a set-up command; returns its stdout, or throws with its last line of error. */
function run1(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`;
    throw new Error(`${[cmd, ...args].join(' ').slice(0, 200)} failed (${r.status}): ${why}`);
  }
  return r.stdout;
}

const git = (args, opts = {}) => run1('git', args, { env: { ...GIT_ENV, ...opts.env }, cwd: opts.cwd, input: opts.input });

function removeTree(dir) {
  spawnSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'inherit' });
}

/** Regular files under `root` (relative paths, sorted), skipping `skip` names at the root. */
function regularFiles(root, skip = new Set()) {
  const out = [];
  const walk = (rel) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      if (!rel && skip.has(name)) continue;
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, path));
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.push(path);
    }
  };
  walk('');
  return out;
}

function countDirs(root) {
  let n = 1;
  for (const name of readdirSync(root)) {
    const st = lstatSync(join(root, name));
    if (st.isDirectory()) n += countDirs(join(root, name));
  }
  return n;
}

/** `count` paths spread evenly over `files` (deterministic: the same corpus gives the same picks). */
function spread(files, count, offset = 0) {
  const step = files.length / count;
  return Array.from({ length: count }, (_, i) => files[Math.floor(i * step + offset * step / 2)]);
}

/**
 * Replaces each file with a copy that has one more line, keeping mode, owner, xattrs (cp -a), so
 * that a hardlinked copy of the corpus gets new files and the corpus itself is never written.
 */
function changeFiles(root, paths, tag) {
  for (const path of paths) {
    const file = join(root, path);
    const tmp = `${file}.bench-tmp`;
    run1('cp', ['-a', file, tmp]);
    appendFileSync(tmp, `\n# ${tag}\n`);
    run1('mv', ['-f', tmp, file]);
  }
}

/** A copy of `src` at `dst` sharing the files' inodes (cp -al), or a full copy across filesystems. */
function linkedCopy(src, dst) {
  if (spawnSync('cp', ['-al', src, dst]).status !== 0) {
    removeTree(dst);
    run1('cp', ['-a', src, dst]);
  }
}

/** Lines of `--json` output of a measured command, parsed; null when it is not JSON. */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The first number found under any of `keys` in a JSON value (searched depth-first). */
function findNumber(value, keys) {
  if (!value || typeof value !== 'object') return null;
  for (const key of keys) if (typeof value[key] === 'number') return value[key];
  for (const child of Object.values(value)) {
    const found = findNumber(child, keys);
    if (found != null) return found;
  }
  return null;
}

export function measureHistory({ cli, corpus, work, runs, log, timeoutSeconds, only }) {
  const want = (id) => !only || only.includes(id);
  const osgitArgs = (...args) => [process.execPath, [cli, ...args]];
  const osgit = (args, opts = {}) => {
    try {
      return run1(process.execPath, [cli, ...args], { env: OSGIT_ENV, ...opts });
    } catch (error) {
      // Name the command, not the whole command line: the reason is what the report shows.
      throw new Error(`osgit ${args.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}: ${error.message.replace(/^.* failed \(/, '(')}`);
    }
  };
  const rows = Object.fromEntries(HISTORY_MEASUREMENTS.map((m) => [m.id, { subject: [], reference: [], extra: {}, errors: [], notes: [] }]));
  const timed = (cmd, args, opts = {}) => measure(cmd, args, { timeoutSeconds, ...opts });
  const record = (id, side, r, extra = {}) => {
    if (!r.ok) {
      rows[id].errors.push(`${side}: ${r.error}`);
      log(`history: ${id} ${side}: FAILED: ${r.error}`);
      return false;
    }
    (rows[id][side] ??= []).push({ wallSeconds: r.wallSeconds, cpuSeconds: r.cpuSeconds, peakKiB: r.peakKiB, ...extra });
    log(`history: ${id} ${side}: ${seconds(r.wallSeconds)} (cpu ${seconds(r.cpuSeconds)}), ${mebibytes(r.peakKiB)}`);
    return true;
  };
  const unavailable = (id, why) => {
    rows[id].unavailable = why;
    log(`history: ${id}: NOT AVAILABLE: ${why}`);
  };
  removeTree(work);
  mkdirSync(work, { recursive: true });
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const loadBefore = load();
  const rootfsA = join(corpus, 'rootfs-a');
  const rootfsB = join(corpus, 'rootfs-b');

  if (want('status') || want('worktree-commit')) {
    // One osgit repository holding rootfs-a, and a worktree of it. Without worktrees, a plain copy
    // stands in so that git's side is still measured.
    const repo = join(work, 'repo-a');
    const tree = join(work, 'worktree-a');
    let osgitWorktree = null;
    try {
      osgit(['init', '--repo', repo, '--mode', MODE]);
      osgit(['commit', '--repo', repo, '-b', 'bench/a', `--timestamp=@${TS.base}`, '-s', 'rootfs-a', `--tree=dir=${rootfsA}`]);
      osgit(['worktree', 'add', '--repo', repo, tree, 'bench/a']);
      osgitWorktree = tree;
    } catch (error) {
      for (const id of ['status', 'worktree-commit']) if (want(id)) unavailable(id, error.message);
      removeTree(tree);
      run1('cp', ['-a', rootfsA, tree]);
    }
    const marker = new Set(['.osgit-worktree']);

    if (want('status')) {
      // git: the same folder as the work tree of a repository kept beside it.
      const gitDir = join(work, 'git-a');
      log('history: status: committing the worktree to git (git add of rootfs-a)');
      const env = { GIT_DIR: gitDir, GIT_WORK_TREE: tree };
      git(['init', '-q', '-b', 'main'], { env });
      writeFileSync(join(gitDir, 'info', 'exclude'), '/.osgit-worktree\n');
      git(['add', '-A', '-f', '.'], { env, cwd: tree });
      git(['commit', '-q', '-m', 'rootfs-a'], { env, cwd: tree });
      // Past git's racy-clean window, then one status that rewrites the index with clean stat data.
      spawnSync('sleep', ['1.1']);
      git(['status', '--porcelain'], { env, cwd: tree });
      const gitStatus = ['git', ['status', '--porcelain']];
      // `--porcelain` (paths only) where this build has it, as git's; else the human output.
      let osgitStatus = osgitArgs('status', '--porcelain');
      const gitEnv = { ...GIT_ENV, ...env };
      const check = (r, what) => {
        if (r.ok && r.stdout.trim() !== '') {
          r.ok = false;
          r.error = `${what} reported changes in an unchanged tree: ${r.stdout.trim().split('\n').slice(0, 3).join('; ')}`;
        }
        return r;
      };
      // Warm-up: the page cache and, for osgit, the stat cache a first status fills.
      timed(...gitStatus, { cwd: tree, env: gitEnv });
      if (osgitWorktree) {
        let warm = timed(...osgitStatus, { cwd: tree, env: OSGIT_ENV });
        if (!warm.ok && /porcelain/.test(warm.error ?? '')) {
          osgitStatus = osgitArgs('status');
          warm = timed(...osgitStatus, { cwd: tree, env: OSGIT_ENV });
        }
        if (warm.ok && osgitStatus[1].includes('--porcelain') && warm.stdout.trim() !== '') {
          rows.status.errors.push(`osgit status reported changes in an unchanged worktree: ${warm.stdout.trim().split('\n').slice(0, 3).join('; ')}`);
        }
        if (!warm.ok) unavailable('status', `osgit status: ${warm.error}`);
        else rows.status.notes.push(`first osgit status (fills the stat cache): ${seconds(warm.wallSeconds)}`);
      }
      const rounds = Math.max(runs, STATUS_MIN_RUNS);
      for (let round = 0; round < rounds; round++) {
        const sides = [
          () => record('status', 'reference', check(timed(...gitStatus, { cwd: tree, env: gitEnv }), 'git status')),
          ...(osgitWorktree && !rows.status.unavailable
            ? [() => record('status', 'subject', osgitStatus[1].includes('--porcelain')
              ? check(timed(...osgitStatus, { cwd: tree, env: OSGIT_ENV }), 'osgit status')
              : timed(...osgitStatus, { cwd: tree, env: OSGIT_ENV }))]
            : []),
        ];
        for (const side of round % 2 ? sides.reverse() : sides) side();
      }
      rows.status.notes.push(`${rounds} rounds alternating which tool goes first; both read the same folder (the osgit worktree, git's work tree); ` +
        `commands: \`git status --porcelain\`, \`osgit ${osgitStatus[1].slice(1).join(' ')}\``);
    }

    if (want('worktree-commit')) {
      const files = regularFiles(tree, marker);
      if (osgitWorktree && !rows['worktree-commit'].unavailable) {
        for (let run = 1; run <= runs; run++) {
          const picks = spread(files, CHANGED_FILES.commit, run % 2);
          for (const path of picks) appendFileSync(join(tree, path), `\n# bench change ${run}\n`);
          const r = timed(...osgitArgs('commit', '-s', `bench change ${run}`), { cwd: tree, env: OSGIT_ENV });
          if (r.ok && !checksumFromOutput(r.stdout) && !parseJson(r.stdout)) {
            rows['worktree-commit'].notes.push(`osgit commit printed no checksum: ${JSON.stringify(r.stdout.trim().slice(-120))}`);
          }
          if (!r.ok && run === 1) {
            unavailable('worktree-commit', `osgit commit in a worktree: ${r.error}`);
            break;
          }
          const read = /([\d.]+) MB read/.exec(r.stdout)?.[1];
          if (!record('worktree-commit', 'subject', r, { mbRead: read == null ? null : Number(read) })) break;
        }
      }
      const reads = rows['worktree-commit'].subject.map((x) => x.mbRead).filter((x) => x != null);
      if (reads.length) rows['worktree-commit'].notes.push(`the worktree commits read ${reads.join(', ')} MB of file contents (the changed files; the stat cache vouches for the rest)`);
      // The whole tree afresh: a new repository each run, osgit and ostree.
      for (let run = 1; run <= runs; run++) {
        for (const tool of ['osgit', 'ostree']) {
          const fresh = join(work, `fresh-${tool}`);
          removeTree(fresh);
          let cmd;
          try {
            if (tool === 'osgit') {
              osgit(['init', '--repo', fresh, '--mode', MODE]);
              cmd = osgitArgs('commit', '--repo', fresh, '-b', 'bench/a', `--timestamp=@${TS.base}`, '-s', 'rootfs-a', `--tree=dir=${rootfsA}`);
            } else {
              run1('ostree', [`--repo=${fresh}`, 'init', `--mode=${MODE}`]);
              cmd = ['ostree', [`--repo=${fresh}`, 'commit', '-b', 'bench/a', `--timestamp=@${TS.base}`, '-s', 'rootfs-a', `--tree=dir=${rootfsA}`]];
            }
          } catch (error) {
            rows['worktree-commit'].errors.push(`${tool} init: ${error.message}`);
            continue;
          }
          record('worktree-commit', tool === 'osgit' ? 'reference' : 'ostree', timed(...cmd, { env: tool === 'osgit' ? OSGIT_ENV : process.env }));
          removeTree(fresh);
        }
      }
    }
  }

  if (want('merge')) measureMerge({ osgit, osgitArgs, timed, record, unavailable, rows, work, rootfsB, runs, log });
  removeTree(work);
  return { rows, runs, mode: MODE, load: `${loadBefore} at the start, ${load()} at the end` };
}

/** Fixtures and measured runs of the merge case. */
function measureMerge({ osgit, osgitArgs, timed, record, unavailable, rows, work, rootfsB, runs, log }) {
  const row = rows.merge;
  // Two hardlinked copies of rootfs-b, each with 100 files replaced (interleaved picks).
  log('history: merge: preparing two branches of rootfs-b with 100 changed files each');
  const files = regularFiles(rootfsB);
  const picks = spread(files, 2 * CHANGED_FILES.merge);
  const sides = { x: picks.filter((_, i) => i % 2 === 0), y: picks.filter((_, i) => i % 2 === 1) };
  const trees = { x: join(work, 'rootfs-b-x'), y: join(work, 'rootfs-b-y') };
  for (const side of ['x', 'y']) {
    linkedCopy(rootfsB, trees[side]);
    changeFiles(trees[side], sides[side], `changed on branch ${side}`);
  }

  // git: base, x and y as commits (x and y start from base's index, so git rehashes only what changed).
  const gitWork = join(work, 'git-b');
  const gitDir = join(gitWork, '.git');
  mkdirSync(gitWork);
  git(['init', '-q', '-b', 'base', gitWork]);
  const gitCommit = (tree, index, message, date, parents) => {
    const env = { GIT_DIR: gitDir, GIT_INDEX_FILE: index, GIT_AUTHOR_DATE: `@${date} +0000`, GIT_COMMITTER_DATE: `@${date} +0000` };
    git(['--work-tree', tree, 'add', '-A', '-f', '.'], { env, cwd: tree });
    const treeId = git(['write-tree'], { env }).trim();
    return git(['commit-tree', treeId, ...parents.flatMap((p) => ['-p', p]), '-m', message], { env }).trim();
  };
  const baseIndex = join(work, 'index-base');
  const g = { base: gitCommit(rootfsB, baseIndex, 'rootfs-b', TS.base, []) };
  for (const side of ['x', 'y']) {
    const index = join(work, `index-${side}`);
    run1('cp', [baseIndex, index]);
    g[side] = gitCommit(trees[side], index, `branch ${side}`, TS[side], [g.base]);
  }
  log('history: merge: checking out branch x for git merge');
  git(['-C', gitWork, 'checkout', '-q', '-f', '-B', 'merge-run', g.x]);

  // osgit: base, x and y in one repository (x and y with base as parent).
  const repo = join(work, 'repo-b');
  const o = {};
  try {
    osgit(['init', '--repo', repo, '--mode', MODE]);
    const commit = (ref, tree, ts, parent) =>
      checksumFromOutput(osgit(['commit', '--repo', repo, '-b', ref, `--timestamp=@${ts}`, '-s', ref, ...(parent ? [`--parent=${parent}`] : []), `--tree=dir=${tree}`]));
    o.base = commit('bench/base', rootfsB, TS.base);
    o.x = commit('bench/x', trees.x, TS.x, o.base);
    o.y = commit('bench/y', trees.y, TS.y, o.base);
  } catch (error) {
    unavailable('merge', `fixture: ${error.message}`);
  }
  const ostree = spawnSync('ostree', ['--version']).status === 0;

  for (let run = 1; run <= runs; run++) {
    // git merge in the work tree of x; then back to x for the next run.
    const gitEnv = { ...GIT_ENV, GIT_AUTHOR_DATE: `@${TS.y + run} +0000`, GIT_COMMITTER_DATE: `@${TS.y + run} +0000` };
    const gm = timed('git', ['merge', '--no-edit', '-q', g.y], { cwd: gitWork, env: gitEnv });
    if (gm.ok && run === 1) {
      const changed = git(['-C', gitWork, 'diff', '--name-only', g.base, 'HEAD']).split('\n').filter(Boolean).length;
      row.notes.push(`git's merge changes ${changed} files against the base (expected ${2 * CHANGED_FILES.merge})`);
    }
    record('merge', 'reference', gm);
    git(['-C', gitWork, 'reset', '-q', '--hard', g.x]);
    record('merge', 'mergeTree', timed('git', ['-C', gitWork, 'merge-tree', '--write-tree', g.x, g.y], { env: gitEnv }));

    if (row.unavailable) continue;
    // A fresh branch at x each run, so every run makes the same merge.
    const ref = `bench/merge-${run}`;
    mkdirSync(join(repo, 'refs', 'heads', 'bench'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'heads', ref), `${o.x}\n`);
    const r = timed(...osgitArgs('merge', '--repo', repo, '--into', ref, o.y, '--json'), { env: OSGIT_ENV });
    if (!r.ok && run === 1 && /command .*not found|not a osgit command|Unknown|Nonexistent flag/i.test(r.error ?? '')) {
      unavailable('merge', `osgit merge --into: ${r.error}`);
      continue;
    }
    const json = r.ok ? parseJson(r.stdout) : null;
    const treesRead = findNumber(json, ['treesRead', 'trees_read', 'dirtreesRead']);
    if (!record('merge', 'subject', r, { treesRead })) continue;
    if (run === 1) {
      const merged = osgit(['rev-parse', '--repo', repo, ref]).trim();
      row.extra.mergeCommit = merged;
      if (treesRead == null) row.notes.push('osgit merge --json does not report the trees it read');
      else {
        // A merge must descend only into folders that both branches changed (elsewhere one side
        // equals the base and the other side's subtree is taken whole): 3 reads each at most.
        const folders = (paths) => {
          const dirs = new Set(['']);
          for (const p of paths) {
            const parts = p.split('/');
            for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
          }
          return dirs;
        };
        const [fx, fy] = [folders(sides.x), folders(sides.y)];
        const both = [...fx].filter((d) => fy.has(d)).length;
        row.notes.push(`osgit merge read ${treesRead} trees; ${both} folders (root included) hold changes of both branches, ` +
          `the only ones it must descend into (≤ ${3 * both} reads from base, ours and theirs); ${new Set([...fx, ...fy]).size} folders ` +
          `hold any change; rootfs-b has ${countDirs(rootfsB)} folders`);
      }
      if (ostree) {
        // ostree is the oracle: the merge commit holds exactly the 200 changed files on top of base.
        const diff = run1('ostree', [`--repo=${repo}`, 'diff', o.base, merged]).split('\n').filter(Boolean);
        const want = new Set([...sides.x, ...sides.y].map((p) => `M    /${p}`));
        const extra = diff.filter((line) => !want.has(line));
        row.notes.push(
          `ostree diff base..merge: ${diff.length} lines, ${diff.length - extra.length} of the ${want.size} expected modified files` +
            (extra.length ? `; unexpected: ${extra.slice(0, 3).join(', ')}` : ''),
        );
        if (extra.length || diff.length !== want.size) row.errors.push('merge result differs from base + both sides\' changes (see notes)');
        const log1 = run1('ostree', [`--repo=${repo}`, 'log', ref]);
        row.notes.push(`ostree log reads the merge commit: ${log1.includes(merged) ? 'yes' : 'NO'}`);
      }
    }
  }
  if (!row.unavailable && !ostree) row.notes.push('ostree not installed: the merge result was not checked');
}

const ms = (s) => (s == null ? '?' : s < 1 ? `${(s * 1000).toFixed(0)} ms` : seconds(s));

/** The history section of bench/results.md. */
export function renderHistory(result) {
  const lines = ['', '## History: status, worktree commit, merge (issue 7)', ''];
  lines.push(
    `Repositories in ${result.mode} mode; every command runs as a whole process (medians; GNU time for peak RSS). ` +
      'status: osgit and git read the same folder (the osgit worktree is also the work tree of a git repository ' +
      'kept beside it), each warmed up once first. worktree commit: 10 files spread over the tree get a line ' +
      'appended before each `osgit commit`; the reference commits rootfs-a into a fresh repository. merge: ' +
      'branches x and y of rootfs-b each replace 100 other files; `osgit merge --into` a fresh branch at x; git ' +
      'merges the same histories in a checked-out work tree (and with `git merge-tree`, no work tree).',
    '',
  );
  lines.push('| case | osgit | reference | ratio | target | ok? |', '| --- | ---: | ---: | ---: | --- | --- |');
  const cell = (samples) => {
    const wall = median((samples ?? []).map((s) => s.wallSeconds));
    if (wall == null) return '—';
    const cpu = median(samples.map((s) => s.cpuSeconds));
    return `${ms(wall)} · cpu ${ms(cpu)} · ${mebibytes(median(samples.map((s) => s.peakKiB)))}`;
  };
  for (const m of HISTORY_MEASUREMENTS) {
    const row = result.rows[m.id];
    if (!row) continue;
    const ran = row.subject.length || row.reference.length || row.errors.length || row.unavailable;
    if (!ran) continue;
    const sub = median(row.subject.map((s) => s.wallSeconds));
    const ref = median(row.reference.map((s) => s.wallSeconds));
    let ratio = '—';
    let target;
    let ok;
    if (m.kind === 'ratio') {
      const r = sub != null && ref ? sub / ref : null;
      ratio = r == null ? '—' : `${r.toFixed(2)}×`;
      target = `≤ ${m.target < 1 ? m.target.toFixed(2) : m.target}× reference`;
      ok = r == null ? '—' : r <= m.target ? 'yes' : '**no**';
    } else {
      target = `osgit ≤ ${m.target} s`;
      ok = sub == null ? '—' : sub <= m.target ? 'yes' : '**no**';
    }
    if (row.unavailable) ok = '**not available**';
    else if (row.errors.length) ok = '**error**';
    let subject = row.unavailable ? 'not available' : cell(row.subject);
    if (m.id === 'merge' && row.subject.length) {
      const trees = median(row.subject.map((s) => s.treesRead));
      subject += trees == null ? '' : `, ${trees} trees read`;
    }
    lines.push(`| ${m.label}: ${m.subject} vs ${m.reference} | ${subject} | ${cell(row.reference)} | ${ratio} | ${target} | ${ok} |`);
  }
  const wc = result.rows['worktree-commit'];
  if (wc?.ostree?.length) lines.push(`| for scale: \`ostree commit\` of the whole tree, fresh repo | — | ${cell(wc.ostree)} | — | — | — |`);
  const mg = result.rows.merge;
  if (mg?.mergeTree?.length) lines.push(`| for information: \`git merge-tree --write-tree\` of the same branches | — | ${cell(mg.mergeTree)} | — | — | — |`);
  lines.push('', 'Cells: median wall time · median CPU time (user + system) · median peak RSS. Ratios and the merge ' +
    `target are on wall time. Load average (1, 5, 15 min): ${result.load}.`);
  const notes = [];
  for (const m of HISTORY_MEASUREMENTS) {
    const row = result.rows[m.id];
    if (!row) continue;
    if (row.unavailable) notes.push(`${m.id}: **not available**: ${row.unavailable}`);
    for (const error of row.errors) notes.push(`${m.id}: **error**: ${error}`);
    for (const note of row.notes) notes.push(`${m.id}: ${note}`);
  }
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n.replace(/\|/g, '\\|')}`));
  lines.push('', '| case | side | wall times (s) | cpu times (s) |', '| --- | --- | --- | --- |');
  for (const m of HISTORY_MEASUREMENTS) {
    const row = result.rows[m.id];
    if (!row) continue;
    for (const side of ['subject', 'reference', 'ostree', 'mergeTree']) {
      if (!row[side]?.length) continue;
      const list = (key) => row[side].map((s) => (s[key] == null ? '?' : s[key].toFixed(2))).join(', ');
      lines.push(`| ${m.id} | ${side} | ${list('wallSeconds')} | ${list('cpuSeconds')} |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
