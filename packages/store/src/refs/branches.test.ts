// Branches and tags: create from any revision, rename with the reflog, delete only what another
// branch or tag still holds (unless forced), list with tip and subject; tags are refs under
// tags/ that ostree lists and that keep their commits through `ostree prune`.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool, runOk } from '../../../../test/helpers/tools.js';
import { buildDag, DAGS, type BuiltDag } from '../../../../test/helpers/dag.js';
import { objectRelPath } from '../objects/object-type.js';
import { StoreError } from '../errors.js';
import { Repo } from '../repo/repo.js';
import { listRefs, readRef } from './refs.js';
import { readReflog, reflogPath } from './reflog.js';
import { createBranch } from './create-branch.js';
import { renameBranch } from './rename-branch.js';
import { deleteBranch } from './delete-branch.js';
import { listBranches } from './list-branches.js';
import { createTag, deleteTag, listTags } from './tags.js';

const OSTREE = requireTool('ostree');
requireTool('git');
const tmp = tempDirs('branches');
afterAll(() => tmp.cleanup());

/** The mergeThenBranch history with main at F and topic at Z. */
async function setup(): Promise<BuiltDag> {
  const repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
  return buildDag(repo, tmp.path('git', 'git'), DAGS.mergeThenBranch!, { main: 'F', topic: 'Z' });
}

async function codeOf(p: Promise<unknown>): Promise<StoreError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(StoreError);
  return e as StoreError;
}

const refNames = async (repo: Repo) => (await listRefs(repo)).map((r) => `${r.ref.name}=${r.commit}`);

describe('branches', () => {
  it('creates a branch at any revision and logs it', async () => {
    const dag = await setup();
    expect(await createBranch(dag.repo, 'fix', 'main~2^2')).toEqual({ branch: 'fix', commit: dag.osgit.get('Y') });
    expect(await readReflog(dag.repo, { remote: null, name: 'fix' })).toMatchObject([{ old: null, new: dag.osgit.get('Y'), reason: 'branch: Created from main~2^2' }]);
  });

  it('refuses an existing branch (BRANCH_EXISTS), a name under tags/ (REF_INVALID) and a bad start, changing nothing', async () => {
    const dag = await setup();
    const before = await refNames(dag.repo);
    expect((await codeOf(createBranch(dag.repo, 'topic', 'main'))).code).toBe('BRANCH_EXISTS');
    const reserved = await codeOf(createBranch(dag.repo, 'tags/v1', 'main'));
    expect(reserved.code).toBe('REF_INVALID');
    expect(reserved.message).toMatch(/reserved for tags/);
    expect((await codeOf(createBranch(dag.repo, 'a..b', 'main'))).code).toBe('REF_INVALID');
    expect((await codeOf(createBranch(dag.repo, 'new', 'nosuch'))).code).toBe('REV_INVALID');
    expect(await refNames(dag.repo)).toEqual(before);
  });

  it('renames a branch with its reflog', async () => {
    const dag = await setup();
    await createBranch(dag.repo, 'fix', dag.osgit.get('C')!);
    await renameBranch(dag.repo, 'fix', 'feature/fix');
    expect(await readRef(dag.repo, { remote: null, name: 'fix' })).toBeNull();
    expect(existsSync(reflogPath(dag.repo, { remote: null, name: 'fix' }))).toBe(false);
    expect(await readRef(dag.repo, { remote: null, name: 'feature/fix' })).toBe(dag.osgit.get('C'));
    expect((await readReflog(dag.repo, { remote: null, name: 'feature/fix' })).map((e) => e.reason))
      .toEqual(['branch: renamed fix to feature/fix', `branch: Created from ${dag.osgit.get('C')!}`]);
  });

  it('refuses to rename onto an existing branch or from a missing one, changing nothing', async () => {
    const dag = await setup();
    const before = await refNames(dag.repo);
    expect((await codeOf(renameBranch(dag.repo, 'topic', 'main'))).code).toBe('BRANCH_EXISTS');
    expect((await codeOf(renameBranch(dag.repo, 'nosuch', 'x'))).code).toBe('REF_NOT_FOUND');
    expect((await codeOf(renameBranch(dag.repo, 'topic', 'tags/x'))).code).toBe('REF_INVALID');
    expect(await refNames(dag.repo)).toEqual(before);
  });

  it('deletes a branch another branch holds, with its reflog', async () => {
    const dag = await setup();
    await createBranch(dag.repo, 'old', 'main~2');
    expect(await deleteBranch(dag.repo, 'old')).toEqual({ branch: 'old', commit: dag.osgit.get('M'), unmerged: 0 });
    expect(await readRef(dag.repo, { remote: null, name: 'old' })).toBeNull();
    expect(existsSync(reflogPath(dag.repo, { remote: null, name: 'old' }))).toBe(false);
  });

  it('refuses to delete an unmerged branch, counting the commits it would lose, unless forced', async () => {
    const dag = await setup();
    // topic (Z) holds Z alone: X and Y are in main through the merge M.
    const err = await codeOf(deleteBranch(dag.repo, 'topic'));
    expect(err.code).toBe('BRANCH_NOT_MERGED');
    expect(err.data.unmerged).toBe(1);
    expect(err.message).toMatch(/lose 1 commit\b.*--force/);
    expect(await readRef(dag.repo, { remote: null, name: 'topic' })).toBe(dag.osgit.get('Z'));
    // A tag holding it is enough.
    await createTag(dag.repo, 'keep', 'topic');
    expect((await deleteBranch(dag.repo, 'topic')).unmerged).toBe(0);
    // Once topic is gone, main alone holds F, E, M and C (the tag holds Z, Y, X, B, A).
    const forced = await deleteBranch(dag.repo, 'main', { force: true });
    expect(forced.unmerged).toBe(4);
    expect((await codeOf(deleteBranch(dag.repo, 'main'))).code).toBe('REF_NOT_FOUND');
  });

  it('lists branches with tip and subject, not tags', async () => {
    const dag = await setup();
    await createTag(dag.repo, 'v1', dag.osgit.get('B')!);
    expect(await listBranches(dag.repo)).toEqual([
      { name: 'main', commit: dag.osgit.get('F'), subject: 'F', timestamp: 1_700_000_000 + 8 * 60, date: '2023-11-14T22:21:20Z' },
      { name: 'topic', commit: dag.osgit.get('Z'), subject: 'Z', timestamp: 1_700_000_000 + 7 * 60, date: '2023-11-14T22:20:20Z' },
    ]);
    expect((await listTags(dag.repo)).map((t) => [t.name, t.subject])).toEqual([['v1', 'B']]);
  });
});

describe('tags', () => {
  it('refuses to move an existing tag unless forced, and deletes one', async () => {
    const dag = await setup();
    await createTag(dag.repo, 'v1', dag.osgit.get('B')!);
    const err = await codeOf(createTag(dag.repo, 'v1', 'main~3'));
    expect(err.code).toBe('BRANCH_EXISTS');
    expect(await readRef(dag.repo, { remote: null, name: 'tags/v1' })).toBe(dag.osgit.get('B'));
    expect((await createTag(dag.repo, 'v1', 'main~3', { force: true })).previous).toBe(dag.osgit.get('B'));
    expect(await deleteTag(dag.repo, 'v1')).toEqual({ tag: 'v1', commit: dag.osgit.get('C') });
    expect((await codeOf(deleteTag(dag.repo, 'v1'))).code).toBe('REF_NOT_FOUND');
    expect((await codeOf(createTag(dag.repo, 'bad..name', 'main'))).code).toBe('REF_INVALID');
  });

  it.runIf(OSTREE)('are refs ostree lists, and keep their commits through ostree prune --refs-only', async () => {
    const dag = await setup();
    await createBranch(dag.repo, 'tmp', 'main~3^^');
    await createTag(dag.repo, 'v1', 'topic');
    await deleteBranch(dag.repo, 'topic', { force: true });
    const refs = (await runOk(OSTREE!, ['refs', `--repo=${dag.repo.path}`])).stdout.trim().split('\n').sort();
    expect(refs).toEqual(['main', 'tags/v1', 'tmp']);
    await runOk(OSTREE!, ['prune', `--repo=${dag.repo.path}`, '--refs-only']);
    expect(existsSync(`${dag.repo.path}/${objectRelPath(dag.osgit.get('Z')!, 'commit', dag.repo.mode)}`)).toBe(true);
    await runOk(OSTREE!, ['fsck', `--repo=${dag.repo.path}`]);
  });
});
