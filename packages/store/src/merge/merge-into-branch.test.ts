// mergeIntoBranch moves a branch only by compare-and-swap, and a refused merge changes nothing.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import type { Checksum } from '../checksum.js';
import { Repo } from '../repo/repo.js';
import { commitTree } from '../commit/commit-tree.js';
import { readRef, updateRef } from '../refs/refs.js';
import { readReflog } from '../refs/reflog.js';
import { commitParents } from '../history/commit-parents.js';
import { isStoreError } from '../errors.js';
import { mergeIntoBranch } from './merge-into-branch.js';
import { cherryPick } from './cherry-pick.js';

const tmp = tempDirs('merge-into');
afterAll(() => tmp.cleanup());

let repo: Repo;
let tick = 0n;
beforeAll(async () => {
  repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
});

async function commit(branch: string, files: Record<string, string>, parent?: Checksum | null): Promise<Checksum> {
  const dir = tmp.make('t');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  const c = await commitTree(repo, { tree: dir, branch, timestamp: 1700000000n + tick++, ...(parent !== undefined ? { parent } : {}) });
  rmSync(dir, { recursive: true, force: true });
  return c.commit;
}

const tip = (b: string): Promise<Checksum | null> => readRef(repo, { remote: null, name: b });
const code = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e) => (isStoreError(e) ? e.code : String(e)));
const staging = (): string[] => readdirSync(join(repo.path, 'tmp')).filter((n) => n.startsWith('osgit-staging-'));

describe('mergeIntoBranch', () => {
  it('refuses with REF_CONFLICT, and writes no ref, when the branch moves during the merge', async () => {
    const base = await commit('a', { f: 'x\n' });
    await commit('b', { f: 'x\n', g: 'g\n' }, base);
    await commit('a', { f: 'y\n' });
    const moved = await commit('elsewhere', { f: 'z\n' }, null);
    const r = mergeIntoBranch(repo, {
      branch: 'a', rev: 'b', beforeRefUpdate: () => updateRef(repo, { ref: { remote: null, name: 'a' }, expected: undefined, value: moved }),
    });
    expect(await code(r)).toBe('REF_CONFLICT');
    expect(await tip('a')).toBe(moved);
  });

  it('makes a merge commit with --no-ff even when a fast-forward was possible', async () => {
    const base = await commit('c', { f: 'x\n' });
    const next = await commit('d', { f: 'x\n', n: 'n\n' }, base);
    const r = await mergeIntoBranch(repo, { branch: 'c', rev: 'd', noFf: true, timestamp: 1800000000n });
    expect(r.kind).toBe('merged');
    const made = await repo.readCommit(r.commit);
    expect(commitParents(made, r.commit)).toEqual([base, next]);
    expect(made.rootTree).toBe((await repo.readCommit(next)).rootTree);
    expect(made.subject).toBe('Merge d into c');
    expect(made.timestamp).toBe(1800000000n);
    const ff = await mergeIntoBranch(repo, { branch: 'c', rev: 'd' });
    expect(ff.kind).toBe('up-to-date');
    expect((await readReflog(repo, { remote: null, name: 'c' }))[0]).toMatchObject({ old: base, new: r.commit, reason: 'merge d: Merge made' });
    await updateRef(repo, { ref: { remote: null, name: 'e2' }, expected: null, value: base });
    const moved = await mergeIntoBranch(repo, { branch: 'e2', rev: 'd' });
    expect(moved.kind).toBe('fast-forward');
    expect((await readReflog(repo, { remote: null, name: 'e2' }))[0]).toMatchObject({ new: next, reason: 'merge d: Fast-forward' });
  });

  it('changes nothing on a conflict or on unrelated histories, and leaves no staged objects', async () => {
    const base = await commit('e', { f: 'x\n' });
    await commit('f', { f: 'theirs\n' }, base);
    const ours = await commit('e', { f: 'ours\n' });
    const err = await mergeIntoBranch(repo, { branch: 'e', rev: 'f' }).catch((e: unknown) => e);
    expect(isStoreError(err, 'MERGE_CONFLICT')).toBe(true);
    expect((err as { data: { conflicts: Array<{ path: string; kind: string }> } }).data.conflicts.map((c) => `${c.kind} ${c.path}`)).toEqual(['content /f']);
    expect(await tip('e')).toBe(ours);
    await commit('g', { other: 'o\n' }, null);
    expect(await code(mergeIntoBranch(repo, { branch: 'e', rev: 'g' }))).toBe('UNRELATED_HISTORIES');
    expect(await code(mergeIntoBranch(repo, { branch: 'nope', rev: 'g' }))).toBe('REF_NOT_FOUND');
    expect(await code(mergeIntoBranch(repo, { branch: 'e', rev: 'no-such-rev' }))).toBe('REV_INVALID');
    expect(await tip('e')).toBe(ours);
    expect(staging()).toEqual([]);
    const r = await mergeIntoBranch(repo, { branch: 'e', rev: 'g', allowUnrelated: true, favor: 'ours' });
    expect(r.kind).toBe('merged');
  });

  it('cherry-pick refuses a bad mainline', async () => {
    const base = await commit('h', { f: 'x\n' });
    await commit('i', { f: 'x\n', g: 'g\n' }, base);
    await commit('h', { f: 'y\n' });
    const m = await mergeIntoBranch(repo, { branch: 'h', rev: 'i' });
    expect(await code(cherryPick(repo, { branch: 'i', rev: m.commit, mainline: 3 }))).toBe('INVALID_ARGUMENT');
    expect(await code(cherryPick(repo, { branch: 'h', rev: 'i', mainline: 1 }))).toBe('INVALID_ARGUMENT');
  });
});
