/**
 * The oracle side of interop tests: the real `ostree` 2022.7 tool, driven with the same flags
 * the osgit CLI takes, plus readers for what it writes (refs, object paths, `ls -C`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectChecksum, lastLine, requireTool, run, runOk, type RunOptions, type RunResult } from './tools.js';

/** Repository modes, in the order tests visit them. */
export const REPO_MODES = ['archive', 'bare-user', 'bare', 'bare-user-only'] as const;
export type RepoMode = (typeof REPO_MODES)[number];

/** Path of the ostree binary, or null (skip) when it is not installed outside CI. */
export const OSTREE: string | null = requireTool('ostree');

function bin(): string {
  if (!OSTREE) throw new Error('ostree is not installed (Debian package: ostree)');
  return OSTREE;
}

/** Runs `ostree ARGS` (never rejects for a non-zero exit). Asynchronous, see `run` in ./tools.ts. */
export function ostree(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(bin(), args, opts);
}

/** Runs `ostree ARGS` and rejects unless it exits 0. */
export function ostreeOk(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runOk(bin(), args, opts);
}

export async function ostreeInit(repo: string, mode: RepoMode): Promise<void> {
  await ostreeOk(['init', `--repo=${repo}`, `--mode=${mode}`]);
}

/** `ostree commit --repo=REPO FLAGS...` (the tree is among `args`); returns the commit checksum. */
export async function ostreeCommit(repo: string, args: readonly string[]): Promise<string> {
  const r = await ostreeOk(['commit', `--repo=${repo}`, ...args]);
  return expectChecksum(lastLine(r.stdout), 'ostree commit output');
}

/** `ostree checkout --repo=REPO FLAGS... REV DIR`. */
export async function ostreeCheckout(repo: string, rev: string, dir: string, flags: readonly string[] = []): Promise<void> {
  await ostreeOk(['checkout', `--repo=${repo}`, ...flags, rev, dir]);
}

export async function ostreeRevParse(repo: string, rev: string): Promise<string> {
  return expectChecksum(lastLine((await ostreeOk(['rev-parse', `--repo=${repo}`, rev])).stdout), `ostree rev-parse ${rev}`);
}

/** Content of refs/heads/REF as written on disk (null when the ref file does not exist). */
export function readRefFile(repo: string, ref: string): string | null {
  try {
    return readFileSync(join(repo, 'refs', 'heads', ref), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export type ObjectType = 'file' | 'dirtree' | 'dirmeta' | 'commit' | 'commitmeta';

/** Loose object path (see reference/ostree-formats.md §1): content objects are `.filez` in archive repos; `commitmeta` is a commit's detached metadata. */
export function objectPath(repo: string, checksum: string, type: ObjectType, mode: RepoMode): string {
  const ext = type === 'file' && mode === 'archive' ? 'filez' : type;
  return join(repo, 'objects', checksum.slice(0, 2), `${checksum.slice(2)}.${ext}`);
}

export interface LsEntry {
  /** '/'-rooted path. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Content checksum (files/symlinks) or dirtree checksum (dirs). */
  checksum: string;
  /** Dirmeta checksum (dirs only). */
  dirmeta?: string;
  target?: string;
}

/** Parses `ostree ls -R -C REV [PATH]`: one record per entry of the committed tree. */
export async function ostreeLs(repo: string, rev: string, path = '/'): Promise<LsEntry[]> {
  const out = (await ostreeOk(['ls', `--repo=${repo}`, '-R', '-C', rev, path])).stdout;
  const re = /^([-dl])(\d{5}) (\d+) (\d+) +(\d+) ([0-9a-f]{64})(?: ([0-9a-f]{64}))? (.*)$/;
  const entries: LsEntry[] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const m = re.exec(line);
    if (!m) throw new Error(`cannot parse ostree ls line: ${JSON.stringify(line)}`);
    const [, t, mode, uid, gid, size, checksum, dirmeta, rest] = m as unknown as string[];
    const type = t === 'd' ? 'dir' : t === 'l' ? 'symlink' : 'file';
    const entry: LsEntry = {
      path: rest!,
      type,
      mode: parseInt(mode!, 8),
      uid: Number(uid),
      gid: Number(gid),
      size: Number(size),
      checksum: checksum!,
    };
    if (dirmeta) entry.dirmeta = dirmeta;
    if (type === 'symlink') {
      // "path -> target"; fixture names never contain " -> ".
      const i = rest!.indexOf(' -> ');
      entry.path = rest!.slice(0, i);
      entry.target = rest!.slice(i + 4);
    }
    entries.push(entry);
  }
  return entries;
}
