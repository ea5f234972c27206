/**
 * The real `git` binary as an oracle for osgit's history semantics (merge bases, fast-forwards,
 * merge results, conflicting paths, bisect): build the same histories from the same file trees in
 * git and in osgit, then compare. Every helper is asynchronous (see `run` in ./tools.ts) and runs
 * git with no system or global configuration, so results do not depend on the machine.
 *
 * Commits get fixed dates, so a history built twice has the same commit ids.
 */
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describeFailure, requireTool, run, type RunOptions } from './tools.js';

/** Absolute path of `git`, or null (outside CI) when missing: `describe.skipIf(!GIT)`. */
export const GIT: string | null = requireTool('git');

/** Date of commits whose caller gave none: 2023-11-14T22:13:20Z. */
export const DEFAULT_GIT_DATE = 1_700_000_000;

/** Environment that isolates git from the machine's configuration and fixes the dates. */
function gitEnv(date: number | string = DEFAULT_GIT_DATE): Record<string, string> {
  const when = typeof date === 'number' ? `@${date} +0000` : date;
  return {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_DATE: when,
    GIT_COMMITTER_DATE: when,
    LC_ALL: 'C',
    TZ: 'UTC',
  };
}

export interface GitOptions {
  /** Extra environment (e.g. GIT_INDEX_FILE), over the isolating one. */
  env?: Record<string, string>;
  /** Standard input. */
  input?: string | Buffer;
  /** Date for any commit git makes (unix seconds or a git date string); default DEFAULT_GIT_DATE. */
  date?: number | string;
}

function gitBinary(): string {
  if (!GIT) throw new Error('git is not installed (apt-get install -y git)');
  return GIT;
}

/**
 * Runs `git -C dir ARGS` and resolves with its stdout; rejects, with the command, exit code and
 * stderr in the message, unless it exits 0.
 */
export function git(dir: string, ...args: string[]): Promise<string> {
  return gitWith(dir, args);
}

/** `git` with options (environment, input, commit date). */
export async function gitWith(dir: string, args: readonly string[], opts: GitOptions = {}): Promise<string> {
  const full = ['-C', dir, ...args];
  const runOpts: RunOptions = { env: { ...gitEnv(opts.date), ...opts.env }, input: opts.input };
  const r = await run(gitBinary(), full, runOpts);
  if (r.code !== 0) throw new Error(describeFailure('git', full, r));
  return r.stdout;
}

/** Runs git and resolves with its exit code and output, whatever the code (for commands whose code is the answer). */
export async function gitRun(dir: string, args: readonly string[], opts: GitOptions = {}) {
  return run(gitBinary(), ['-C', dir, ...args], { env: { ...gitEnv(opts.date), ...opts.env }, input: opts.input });
}

export interface InitGitRepoOptions {
  /** Initial branch name (default `main`). */
  branch?: string;
  /** `git init --bare` (default false). */
  bare?: boolean;
}

/**
 * `git init` of `dir` (created if missing) with a local user.name/email, no gpg signing, no
 * automatic gc and no line-ending conversion, so commits made later are reproducible.
 */
export async function initGitRepo(dir: string, opts: InitGitRepoOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(dir, 'init', '-q', ...(opts.bare ? ['--bare'] : []), '-b', opts.branch ?? 'main');
  const settings: [string, string][] = [
    ['user.name', 'osgit tests'],
    ['user.email', 'tests@osgit.invalid'],
    ['commit.gpgsign', 'false'],
    ['tag.gpgsign', 'false'],
    ['gc.auto', '0'],
    ['core.autocrlf', 'false'],
    ['merge.conflictstyle', 'merge'],
  ];
  for (const [key, value] of settings) await git(dir, 'config', key, value);
}

/** A file of a tree given in code: contents (mode 0644), or contents with a mode, or a symlink. */
export type GitFileSpec =
  | string
  | Buffer
  | { content: string | Buffer; mode?: number }
  | { symlink: string };

export interface GitCommitTreeOptions {
  message: string;
  /** Author and committer date: unix seconds or a git date string (default DEFAULT_GIT_DATE). */
  date?: number | string;
  /** Parent commits (any revisions git understands), first parent first. Default: none (a root commit). */
  parents?: readonly string[];
  /** Branch to point at the new commit (`refs/heads/NAME`), created or moved. */
  branch?: string;
}

/**
 * Commits a whole tree as a new commit object and resolves with its id, without touching the
 * repository's index or work tree. `files` is either a map of '/'-separated paths to contents
 * (the complete tree of the commit, not a change) or the path of a folder to commit as it is.
 * Git keeps only what it can: the executable bit, symlinks, no empty folders, no ownership.
 */
export async function gitCommitTree(
  repoDir: string,
  files: Readonly<Record<string, GitFileSpec>> | string,
  opts: GitCommitTreeOptions,
): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'osgit-git-tree-'));
  try {
    let workTree: string;
    if (typeof files === 'string') {
      workTree = files;
    } else {
      workTree = join(scratch, 'tree');
      await mkdir(workTree);
      await writeFiles(workTree, files);
    }
    // A private index, so the repository's own index and work tree stay as they were.
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    await gitWith(repoDir, ['--work-tree', workTree, 'add', '-A', '-f', '.'], { env });
    const tree = (await gitWith(repoDir, ['write-tree'], { env })).trim();
    const parentArgs = (opts.parents ?? []).flatMap((p) => ['-p', p]);
    const commit = (
      await gitWith(repoDir, ['commit-tree', tree, ...parentArgs, '-F', '-'], { input: opts.message, date: opts.date })
    ).trim();
    if (opts.branch) await git(repoDir, 'update-ref', `refs/heads/${opts.branch}`, commit);
    return commit;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Writes `files` (see GitFileSpec) under `root`, creating parent folders. */
export async function writeFiles(root: string, files: Readonly<Record<string, GitFileSpec>>): Promise<void> {
  for (const [path, spec] of Object.entries(files)) {
    if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) {
      throw new Error(`gitCommitTree: bad path ${JSON.stringify(path)} (relative, '/'-separated, no '..')`);
    }
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) {
      await writeFile(target, spec, { mode: 0o644 });
    } else if ('symlink' in spec) {
      await symlink(spec.symlink, target);
    } else {
      await writeFile(target, spec.content);
      await chmod(target, spec.mode ?? 0o644);
    }
  }
}

/** `git merge-base --all A B`: every best common ancestor, sorted (empty when unrelated). */
export async function gitMergeBases(repoDir: string, a: string, b: string): Promise<string[]> {
  const r = await gitRun(repoDir, ['merge-base', '--all', a, b]);
  // Exit 1 with no output means "no common ancestor".
  if (r.code === 1 && r.stdout.trim() === '') return [];
  if (r.code !== 0) throw new Error(describeFailure('git', ['merge-base', '--all', a, b], r));
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** `git merge-base --is-ancestor A B`. */
export async function gitIsAncestor(repoDir: string, ancestor: string, descendant: string): Promise<boolean> {
  const r = await gitRun(repoDir, ['merge-base', '--is-ancestor', ancestor, descendant]);
  if (r.code === 0 || r.code === 1) return r.code === 0;
  throw new Error(describeFailure('git', ['merge-base', '--is-ancestor', ancestor, descendant], r));
}

export interface GitMergeTreeResult {
  /** True when git merged without conflicts. */
  clean: boolean;
  /** The merged tree (with conflict markers in conflicted text files). */
  tree: string;
  /** Conflicting paths, sorted, each once. */
  conflicts: string[];
}

/**
 * Three-way merge of two commits without a work tree (`git merge-tree --write-tree`, git ≥ 2.38),
 * as `git merge` would do it with the default (ort) strategy.
 */
export async function gitMergeTree(repoDir: string, ours: string, theirs: string, extraArgs: readonly string[] = []): Promise<GitMergeTreeResult> {
  const args = ['merge-tree', '--write-tree', '--name-only', '--no-messages', ...extraArgs, ours, theirs];
  const r = await gitRun(repoDir, args);
  if (r.code !== 0 && r.code !== 1) throw new Error(describeFailure('git', args, r));
  const [tree = '', ...paths] = r.stdout.split('\n').filter(Boolean);
  return { clean: r.code === 0, tree, conflicts: [...new Set(paths)].sort() };
}

export interface GitTreeEntry {
  /** Octal mode as git prints it: 100644, 100755, 120000, 040000, 160000. */
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  id: string;
}

/** Every file and symlink of a commit or tree (recursively), by '/'-separated path. */
export async function gitLsTree(repoDir: string, rev: string): Promise<Map<string, GitTreeEntry>> {
  const out = await git(repoDir, 'ls-tree', '-r', '-z', '--full-tree', rev);
  const entries = new Map<string, GitTreeEntry>();
  for (const record of out.split('\0').filter(Boolean)) {
    const tab = record.indexOf('\t');
    const [mode, type, id] = record.slice(0, tab).split(' ');
    entries.set(record.slice(tab + 1), { mode: mode!, type: type as GitTreeEntry['type'], id: id! });
  }
  return entries;
}

/** Contents of `path` in commit or tree `rev` (`git cat-file blob REV:PATH`). */
export async function gitShowFile(repoDir: string, rev: string, path: string): Promise<string> {
  return git(repoDir, 'cat-file', 'blob', `${rev}:${path}`);
}

/** Commit id of a revision (`git rev-parse --verify REV^{commit}`). */
export async function gitRevParse(repoDir: string, rev: string): Promise<string> {
  return (await git(repoDir, 'rev-parse', '--verify', '-q', `${rev}^{commit}`)).trim();
}
