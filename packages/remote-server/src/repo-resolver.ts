import { promises as fs } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { Repo, isStoreError } from '@osgit/store';
import { ServerError } from './errors.js';

/** A repository found for a request, and the rest of the request path below its base. */
export interface ResolvedRepo {
  repo: Repo;
  /** The repository's base path in URLs: `/` or `/NAME/` (NAME may have several segments). */
  base: string;
  /** The path below the base, still percent-encoded, starting with `/`. */
  rest: string;
}

/** Finds the repository a request path belongs to. */
export interface RepoResolver {
  resolve(rawPath: string, segments: readonly string[]): Promise<ResolvedRepo>;
  /** Folders whose names must not leak into error messages. */
  readonly hidePaths: readonly string[];
}

/** One repository, served at `/`. Opened once, up front (a bad --repo fails at start-up). */
export async function singleRepo(path: string): Promise<RepoResolver> {
  const repo = await Repo.open(path);
  return {
    hidePaths: [repo.path, await fs.realpath(repo.path)],
    async resolve(rawPath) {
      return { repo, base: '/', rest: rawPath };
    },
  };
}

/** A repository folder name: no dot-files (so no `.`, `..`, `.git`), no separators, nothing exotic. */
const REPO_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** How deep below the root a repository may sit (`/team/os/` is depth 2). */
const MAX_REPO_DEPTH = 4;
/** How long a folder found to be a repository is trusted to still be one before it is checked again. */
const RECHECK_MS = 2000;

/**
 * Every repository below `root`, at `/NAME/` where NAME is the folder's path below the root (one
 * or more segments, each a plain name). The first folder along the path that holds a `config`
 * file is the repository; it must really sit below the root (a symbolic link out of it is not
 * followed). Opened repositories are cached; a repository added later is found on its first
 * request.
 */
export async function repoRoot(root: string): Promise<RepoResolver> {
  const abs = resolve(root);
  const real = await fs.realpath(abs);
  const st = await fs.stat(real);
  if (!st.isDirectory()) throw new ServerError('NOT_FOUND', `--root ${root} is not a folder`);
  const cache = new Map<string, Promise<Repo>>();
  const open = (dir: string): Promise<Repo> => {
    let hit = cache.get(dir);
    if (!hit) {
      hit = Repo.open(dir);
      cache.set(dir, hit);
      hit.catch(() => cache.delete(dir));
    }
    return hit;
  };
  // Folders found to be repositories, re-checked after a while: a pull's thousands of requests
  // do not each stat and resolve the repository folder again.
  const found = new Map<string, number>();
  return {
    hidePaths: [abs, real],
    async resolve(rawPath, segments) {
      const rawSegments = rawPath.split('/').slice(1);
      for (let depth = 1; depth <= Math.min(MAX_REPO_DEPTH, segments.length - 1); depth++) {
        const name = segments.slice(0, depth);
        if (!name.every((s) => REPO_SEGMENT.test(s))) break;
        const dir = join(real, ...name);
        const checked = found.get(dir);
        if (checked !== undefined && Date.now() - checked < RECHECK_MS && cache.has(dir)) {
          return { repo: await open(dir), base: `/${name.join('/')}/`, rest: '/' + rawSegments.slice(depth).join('/') };
        }
        found.delete(dir);
        const kind = await entryKind(join(dir, 'config'));
        if (kind === 'missing') continue;
        if (kind !== 'file' || !(await staysInside(real, dir))) break;
        try {
          const repo = await open(dir);
          found.set(dir, Date.now());
          return { repo, base: `/${name.join('/')}/`, rest: '/' + rawSegments.slice(depth).join('/') };
        } catch (err) {
          if (isStoreError(err, 'REPO_NOT_FOUND')) break;
          throw err;
        }
      }
      throw new ServerError('NOT_FOUND', 'no repository at this path');
    },
  };
}

async function entryKind(path: string): Promise<'file' | 'missing' | 'other'> {
  try {
    return (await fs.stat(path)).isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

async function staysInside(root: string, dir: string): Promise<boolean> {
  try {
    const rel = relative(root, await fs.realpath(dir));
    return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
  } catch {
    return false;
  }
}
