// mergeTrees merges each path three ways, file metadata field by field, reports conflicts path
// by path, writes objects the store can verify, and never reads a subtree it does not need.
import { chmodSync, chownSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeXattr } from '../fsio/xattr-io.js';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import type { Checksum } from '../checksum.js';
import { Repo } from '../repo/repo.js';
import { Transaction } from '../repo/transaction.js';
import { openFileObject } from '../repo/file-object.js';
import { commitTree } from '../commit/commit-tree.js';
import { fsck } from '../inspect/fsck.js';
import { isSymlinkMode } from '../objects/file-header.js';
import { MergeObjects } from './merge-objects.js';
import { mergeTrees, type MergeTreesOptions, type MergeTreesResult, type TreeRoot } from './merge-trees.js';

const tmp = tempDirs('merge-trees');
afterAll(() => tmp.cleanup());

/** A file in a fixture: text, or details (a symlink when `link` is set; `dir` for an empty folder). */
type Spec = string | { text?: string; mode?: number; uid?: number; gid?: number; xattrs?: Record<string, string>; link?: string; dir?: true };

let repo: Repo;
let seq = 0;
beforeAll(async () => {
  repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
});

/** Writes `files` into a fresh folder and commits it (orphan); returns its root. */
async function tree(files: Record<string, Spec>, dirModes: Record<string, number> = {}): Promise<TreeRoot> {
  const root = tmp.make(`t${seq++}`);
  chmodSync(root, 0o755);
  for (const [rel, spec] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
    const s = typeof spec === 'string' ? { text: spec } : spec;
    if (s.dir) mkdirSync(p, { recursive: true, mode: 0o755 });
    else if (s.link !== undefined) symlinkSync(s.link, p);
    else {
      writeFileSync(p, s.text ?? '');
      chmodSync(p, s.mode ?? 0o644);
      for (const [n, v] of Object.entries(s.xattrs ?? {})) writeXattr(p, n, Buffer.from(v));
    }
    if (s.uid !== undefined || s.gid !== undefined) chownSync(p, s.uid ?? 0, s.gid ?? 0, );
  }
  for (const [rel, mode] of Object.entries(dirModes)) chmodSync(join(root, rel), mode);
  const r = await commitTree(repo, { tree: root, orphan: true, timestamp: 1700000000n });
  rmSync(root, { recursive: true, force: true });
  return { tree: r.rootTree, meta: r.rootMeta };
}

/** Runs the merge and commits its objects (no ref moves). */
async function merge(base: TreeRoot | null, ours: TreeRoot, theirs: TreeRoot, opts: MergeTreesOptions = {}): Promise<MergeTreesResult> {
  const tx = await Transaction.begin(repo);
  try {
    const r = await mergeTrees(new MergeObjects(repo, tx), base, ours, theirs, opts);
    await tx.commit();
    return r;
  } catch (err) {
    await tx.abort();
    throw err;
  }
}

interface Seen { text?: string; mode: string; uid: number; gid: number; link?: string; xattrs?: string[] }

/** Every path of a tree with what it holds, read back from the repository. */
async function flatten(root: Checksum, prefix = ''): Promise<Record<string, Seen | 'dir'>> {
  const out: Record<string, Seen | 'dir'> = {};
  const t = await repo.readDirTree(root);
  for (const f of t.files) {
    const obj = await openFileObject(repo, f.checksum);
    const link = isSymlinkMode(obj.info.mode);
    out[`${prefix}/${f.name}`] = {
      mode: (obj.info.mode & 0o7777).toString(8), uid: obj.info.uid, gid: obj.info.gid,
      ...(link ? { link: obj.info.symlinkTarget } : { text: (await obj.readContent()).toString() }),
      ...(obj.info.xattrs.length ? { xattrs: obj.info.xattrs.map(([n, v]) => `${n}=${Buffer.from(v).toString()}`) } : {}),
    };
  }
  for (const d of t.dirs) {
    out[`${prefix}/${d.name}`] = 'dir';
    Object.assign(out, await flatten(d.tree, `${prefix}/${d.name}`));
  }
  return out;
}

const text = async (r: MergeTreesResult, path: string): Promise<string | undefined> => ((await flatten(r.tree))[path] as Seen | undefined)?.text;
const kinds = (r: MergeTreesResult): string[] => r.conflicts.map((c) => `${c.kind} ${c.path}`);

describe('mergeTrees', () => {
  it('takes each side’s changes to different files', async () => {
    const base = await tree({ a: 'a\n', b: 'b\n', 'd/c': 'c\n' });
    const ours = await tree({ a: 'A\n', b: 'b\n', 'd/c': 'c\n' });
    const theirs = await tree({ a: 'a\n', b: 'b\n', 'd/c': 'C\n', 'd/new': 'n\n' });
    const r = await merge(base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    const seen = await flatten(r.tree);
    expect(Object.fromEntries(Object.entries(seen).map(([p, s]) => [p, s === 'dir' ? s : s.text]))).toEqual({
      '/a': 'A\n', '/b': 'b\n', '/d': 'dir', '/d/c': 'C\n', '/d/new': 'n\n',
    });
  });

  it('merges lines of a text file both sides changed, and marks a conflict with the labels', async () => {
    const base = await tree({ f: '1\n2\n3\n4\n5\n6\n' });
    const clean = await merge(base, await tree({ f: 'X\n2\n3\n4\n5\n6\n' }), await tree({ f: '1\n2\n3\n4\n5\nY\n' }));
    expect(clean.conflicts).toEqual([]);
    expect(await text(clean, '/f')).toBe('X\n2\n3\n4\n5\nY\n');
    const bad = await merge(base, await tree({ f: 'X\n2\n3\n4\n5\n6\n' }), await tree({ f: 'Z\n2\n3\n4\n5\n6\n' }), { oursLabel: 'HEAD', theirsLabel: 'topic' });
    expect(kinds(bad)).toEqual(['content /f']);
    expect(await text(bad, '/f')).toBe('<<<<<<< HEAD\nX\n=======\nZ\n>>>>>>> topic\n2\n3\n4\n5\n6\n');
    const favored = await merge(base, await tree({ f: 'X\n2\n3\n4\n5\n6\n' }), await tree({ f: 'Z\n2\n3\n4\n5\nY\n' }), { favor: 'theirs' });
    expect(favored.conflicts).toEqual([]);
    expect(await text(favored, '/f')).toBe('Z\n2\n3\n4\n5\nY\n');
  });

  it('combines a content change on one side with a mode change on the other into a new, valid object', async () => {
    const base = await tree({ f: 'old\n' });
    const ours = await tree({ f: 'new\n' });
    const theirs = await tree({ f: { text: 'old\n', mode: 0o755 } });
    const r = await merge(base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    expect((await flatten(r.tree))['/f']).toEqual({ text: 'new\n', mode: '755', uid: 0, gid: 0 });
    const commit = await commitTreeOf(r);
    const check = await fsck(repo);
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    expect(commit).toMatch(/^[0-9a-f]{64}$/);
  });

  it('merges owner and xattrs like mode, and reports each field both sides changed', async () => {
    const base = await tree({ f: { text: 'x\n', xattrs: { 'user.a': '1' } } });
    const ours = await tree({ f: { text: 'x\n', uid: 10, gid: 10, xattrs: { 'user.a': '1' } } });
    const theirs = await tree({ f: { text: 'x\n', xattrs: { 'user.a': '2' } } });
    const r = await merge(base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    expect((await flatten(r.tree))['/f']).toEqual({ text: 'x\n', mode: '644', uid: 10, gid: 10, xattrs: ['user.a=2'] });

    const ours2 = await tree({ f: { text: 'x\n', uid: 10, gid: 10, mode: 0o600, xattrs: { 'user.a': '3' } } });
    const theirs2 = await tree({ f: { text: 'x\n', uid: 20, gid: 20, mode: 0o640, xattrs: { 'user.a': '2' } } });
    const bad = await merge(base, ours2, theirs2);
    expect(kinds(bad)).toEqual(['mode /f', 'owner /f', 'xattrs /f']);
    expect(bad.conflicts[1]).toMatchObject({
      base: { type: 'file', mode: '0644', uid: 0, gid: 0, xattrs: ['user.a'] },
      ours: { type: 'file', mode: '0600', uid: 10, gid: 10 },
      theirs: { type: 'file', mode: '0640', uid: 20, gid: 20 },
    });
    const favored = await merge(base, ours2, theirs2, { favor: 'ours' });
    expect(favored.conflicts).toEqual([]);
    expect((await flatten(favored.tree))['/f']).toEqual({ text: 'x\n', mode: '600', uid: 10, gid: 10, xattrs: ['user.a=3'] });
  });

  it('reports symlink-target, type, add-add, modify-delete, delete-modify and file-directory conflicts', async () => {
    const base = await tree({ l: { link: 'a' }, t: 'file\n', m: 'm\n', d: 'd\n', fd: 'x\n', keep: 'k\n' });
    const ours = await tree({ l: { link: 'b' }, t: { link: 'elsewhere' }, m: 'M\n', fd: 'y\n', added: 'ours\n', keep: 'k\n' });
    const theirs = await tree({ l: { link: 'c' }, t: 'changed\n', d: 'D\n', 'fd/inner': 'z\n', added: 'theirs\n', keep: 'k\n' });
    const r = await merge(base, ours, theirs);
    expect(kinds(r).sort()).toEqual([
      'add-add /added', 'delete-modify /d', 'file-directory /fd~ours', 'modify-delete /m', 'symlink-target /l', 'type /t',
    ]);
    const link = r.conflicts.find((c) => c.kind === 'symlink-target')!;
    expect([link.base?.target, link.ours?.target, link.theirs?.target]).toEqual(['a', 'b', 'c']);
    const fd = r.conflicts.find((c) => c.kind === 'file-directory')!;
    expect([fd.ours?.type, fd.theirs?.type]).toEqual(['file', 'dir']);
    const del = r.conflicts.find((c) => c.kind === 'modify-delete')!;
    expect(del.theirs).toBeUndefined();
    const seen = await flatten(r.tree);
    // What a worktree shows: markers for text, the modified side of a modify/delete, ours otherwise.
    expect((seen['/added'] as Seen).text).toBe('<<<<<<< ours\nours\n=======\ntheirs\n>>>>>>> theirs\n');
    expect((seen['/m'] as Seen).text).toBe('M\n');
    expect((seen['/d'] as Seen).text).toBe('D\n');
    expect((seen['/l'] as Seen).link).toBe('b');
    expect((seen['/t'] as Seen).link).toBe('elsewhere');
    // The folder keeps the name; the file moves aside to NAME~SIDE, as git does.
    expect(seen['/fd']).toBe('dir');
    expect((seen['/fd/inner'] as Seen).text).toBe('z\n');
    expect((seen['/fd~ours'] as Seen).text).toBe('y\n');
    // -X resolves what git's -X resolves; modify/delete and file/directory stay conflicts.
    const favored = await merge(base, ours, theirs, { favor: 'theirs' });
    expect(kinds(favored).sort()).toEqual(['delete-modify /d', 'file-directory /fd~ours', 'modify-delete /m']);
    const fs2 = await flatten(favored.tree);
    expect((fs2['/l'] as Seen).link).toBe('c');
    expect((fs2['/t'] as Seen).text).toBe('changed\n');
    expect((fs2['/added'] as Seen).text).toBe('theirs\n');
  });

  it('treats a file with a NUL byte as binary: a conflict keeping ours, or the favoured side', async () => {
    const base = await tree({ bin: 'a\0b' });
    const ours = await tree({ bin: 'o\0b' });
    const theirs = await tree({ bin: 't\0b' });
    const r = await merge(base, ours, theirs);
    expect(kinds(r)).toEqual(['content /bin']);
    expect(await text(r, '/bin')).toBe('o\0b');
    expect(await text(await merge(base, ours, theirs, { favor: 'theirs' }), '/bin')).toBe('t\0b');
  });

  it('merges folder metadata field by field and reports a mode both sides changed', async () => {
    const base = await tree({ 'd/f': 'x\n' });
    const ours = await tree({ 'd/f': 'y\n' });
    const theirs = await tree({ 'd/f': 'x\n' }, { d: 0o700 });
    const r = await merge(base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    const meta = await repo.readDirMeta((await repo.readDirTree(r.tree)).dirs[0]!.meta);
    expect(meta.mode & 0o7777).toBe(0o700);
    const bad = await merge(base, await tree({ 'd/f': 'x\n' }, { d: 0o750 }), theirs);
    expect(kinds(bad)).toEqual(['mode /d']);
    expect([bad.conflicts[0]!.ours?.mode, bad.conflicts[0]!.theirs?.mode]).toEqual(['0750', '0700']);
  });

  it('keeps a folder one side deleted only for what the other side added or changed in it', async () => {
    const base = await tree({ 'gone/a': 'a\n', 'gone/b': 'b\n', 'kept/a': 'a\n', x: 'x\n' });
    const ours = await tree({ x: 'x\n' });
    const theirs = await tree({ 'gone/a': 'a\n', 'gone/b': 'b\n', 'gone/new': 'n\n', 'kept/a': 'A\n', x: 'X\n' });
    const r = await merge(base, ours, theirs);
    expect(kinds(r)).toEqual(['delete-modify /kept/a']);
    expect(Object.keys(await flatten(r.tree))).toEqual(['/x', '/gone', '/gone/new', '/kept', '/kept/a']);
  });

  it('merges unrelated trees against an empty base', async () => {
    const r = await merge(null, await tree({ a: 'a\n', same: 's\n' }), await tree({ b: 'b\n', same: 's\n' }));
    expect(r.conflicts).toEqual([]);
    expect(Object.keys(await flatten(r.tree))).toEqual(['/a', '/b', '/same']);
  });

  it('reads only the subtrees both sides changed', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) for (let j = 0; j < 5; j++) files[`d${i}/s${j}/f`] = `${i}.${j}\n`;
    const base = await tree(files);
    const ours = await tree({ ...files, 'd0/s0/f': 'ours\n', 'd1/s1/f': 'ours only\n' });
    const theirs = await tree({ ...files, 'd0/s1/f': 'theirs\n', 'd2/s2/f': 'theirs only\n' });
    const r = await merge(base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    // root ×3 and d0 ×3: d1, d2 (one side only) and d3..d19 (equal) are never read.
    expect(r.stats.treesRead).toBe(6);
    const seen = await flatten(r.tree);
    expect([seen['/d0/s0/f'], seen['/d0/s1/f'], seen['/d1/s1/f'], seen['/d2/s2/f']].map((s) => (s as Seen).text))
      .toEqual(['ours\n', 'theirs\n', 'ours only\n', 'theirs only\n']);
    const same = await merge(base, ours, ours);
    expect(same.stats.treesRead).toBe(0);
    expect(same.tree).toBe(ours.tree);
  });
});

/** Commits a merge result as an orphan commit (so fsck checks everything it reaches). */
async function commitTreeOf(r: MergeTreesResult): Promise<Checksum> {
  const { encodeCommit } = await import('../objects/commit.js');
  const { sha256Hex } = await import('../checksum.js');
  const bytes = encodeCommit({ metadata: [], parent: null, subject: 'm', body: '', timestamp: 1700000000n, rootTree: r.tree, rootMeta: r.meta });
  const c = sha256Hex(bytes);
  const tx = await Transaction.begin(repo);
  tx.writeMetadataSync(c, 'commit', bytes);
  await tx.commit();
  return c;
}
