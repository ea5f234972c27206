/**
 * A remote to pull from, written by the real `ostree` (archive mode): `test/main` holds two
 * commits (the fixture tree, then the second tree), `other/ref` points at the first; with a
 * summary made by `ostree summary -u`, or without one. Plus a client repository with the remote
 * configured, as `osgit remote add` writes it.
 */
import { join } from 'node:path';
import { FIXTURE_COMMIT_ARGS, makeFixtureTree, makeSecondTree } from './fixture.js';
import { ostreeCommit, ostreeInit, ostreeOk, type RepoMode } from './ostree.js';
import type { TempDirs } from './tmp.js';
import { osgitOk } from './tools.js';

export interface RemoteRepo {
  path: string;
  /** first commit (the fixture tree), parent of `second` */
  first: string;
  /** second commit, the head of test/main */
  second: string;
}

/** An archive repository written by ostree, with the two commits; `summary` runs `ostree summary -u`. */
export async function makeRemoteRepo(tmp: TempDirs, opts: { summary: boolean; bigFiles?: boolean }): Promise<RemoteRepo> {
  const path = join(tmp.make('remote'), 'repo');
  await ostreeInit(path, 'archive');
  const firstTree = makeFixtureTree(tmp.path('tree1', 'tree'), { bigFiles: opts.bigFiles ?? true }).root;
  const first = await ostreeCommit(path, [...FIXTURE_COMMIT_ARGS, '-s', 'first', firstTree]);
  const secondTree = makeSecondTree(tmp.path('tree2', 'tree'));
  const second = await ostreeCommit(path, ['-b', 'test/main', '--timestamp=@1577840000', '-s', 'second', secondTree]);
  await ostreeOk(['refs', `--repo=${path}`, '--create=other/ref', first]);
  if (opts.summary) await ostreeOk(['summary', `--repo=${path}`, '-u']);
  return { path, first, second };
}

/** A new client repository of `mode` with remote `origin` at `url` (no GPG verification). */
export async function makeClientRepo(tmp: TempDirs, mode: RepoMode, url: string, extra: readonly string[] = []): Promise<string> {
  const path = join(tmp.make(`client-${mode}`), 'repo');
  await osgitOk(['init', '--repo', path, '--mode', mode]);
  await osgitOk(['remote', 'add', '--repo', path, '--no-gpg-verify', ...extra, 'origin', url]);
  return path;
}
