// A worktree commit is built from the status scan (tree-from-scan.ts): only folders on the paths
// of changes get new dirtrees. The oracle is the real `ostree commit` of a copy of the folder
// without the marker, into a copy of the repository (same parent, same metadata).
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makePrng } from '../../../../test/helpers/prng.js';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { isRoot, requireTool, run } from '../../../../test/helpers/tools.js';
import { Repo } from '../repo/repo.js';
import { commitTree } from '../commit/commit-tree.js';
import { writeXattr } from '../fsio/xattr-io.js';
import { addWorktree } from './add.js';
import type { Worktree } from './worktree.js';

const OSTREE = requireTool('ostree');
const tmp = tempDirs('commit-scan');
afterAll(() => tmp.cleanup());

function buildSource(root: string): void {
  for (const d of ['etc', 'etc/conf.d', 'usr', 'usr/bin', 'usr/lib', 'usr/lib/mod', 'usr/share', 'usr/share/doc', 'var', 'var/lib']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(root, 0o755);
  let n = 0;
  for (const d of ['etc', 'etc/conf.d', 'usr/bin', 'usr/lib', 'usr/lib/mod', 'usr/share/doc', 'var/lib']) {
    for (let i = 0; i < 4; i++) writeFileSync(join(root, d, `f${n++}`), `file ${n} in ${d}\n`.repeat(1 + (n % 3)));
  }
  symlinkSync('../etc/f0', join(root, 'usr/link'));
  symlinkSync('f4', join(root, 'etc/conf.d/alias'));
}

/** Every path under root (relative, the marker left out), folders included. */
function paths(root: string, rel = ''): Array<{ rel: string; dir: boolean; link: boolean }> {
  const out: Array<{ rel: string; dir: boolean; link: boolean }> = [];
  for (const name of readdirSync(join(root, rel))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    if (r === '.osgit-worktree') continue;
    const st = lstatSync(join(root, r));
    out.push({ rel: r, dir: st.isDirectory(), link: st.isSymbolicLink() });
    if (st.isDirectory()) out.push(...paths(root, r));
  }
  return out;
}

/** One random edit of the kinds a commit must notice. */
function randomEdit(root: string, rnd: () => number, step: string): string {
  const all = paths(root);
  const pick = <T>(xs: T[]): T | undefined => (xs.length === 0 ? undefined : xs[Math.floor(rnd() * xs.length)]);
  const files = all.filter((p) => !p.dir && !p.link);
  const dirs = all.filter((p) => p.dir);
  const links = all.filter((p) => p.link);
  const ops = ['modify', 'modify', 'add', 'add-dir', 'remove', 'remove-dir', 'chmod', 'chmod-dir', 'retarget', 'file-to-dir', 'dir-to-file', 'same-size', ...(isRoot ? ['xattr', 'xattr-dir', 'chown'] : [])];
  const op = pick(ops)!;
  const f = pick(files);
  const d = pick(dirs);
  const at = (p: { rel: string }): string => join(root, p.rel);
  switch (op) {
    case 'modify':
      if (f) appendFileSync(at(f), `more ${step}\n`);
      return `${op} ${f?.rel}`;
    case 'same-size': {
      if (!f) return op;
      const size = lstatSync(at(f)).size;
      writeFileSync(at(f), 'Z'.repeat(size));
      return `${op} ${f.rel}`;
    }
    case 'add': {
      const dir = d ? d.rel : '';
      writeFileSync(join(root, dir, `new-${step}`), `new ${step}\n`);
      return `${op} ${dir}/new-${step}`;
    }
    case 'add-dir': {
      const dir = join(root, d ? d.rel : '', `dir-${step}`);
      mkdirSync(dir);
      if (rnd() < 0.7) writeFileSync(join(dir, 'inside'), `inside ${step}\n`);
      return `${op} ${dir}`;
    }
    case 'remove':
      if (f) unlinkSync(at(f));
      return `${op} ${f?.rel}`;
    case 'remove-dir':
      if (d) rmSync(at(d), { recursive: true });
      return `${op} ${d?.rel}`;
    case 'chmod':
      if (f) chmodSync(at(f), pick([0o600, 0o755, 0o640, 0o644])!);
      return `${op} ${f?.rel}`;
    case 'chmod-dir':
      if (d) chmodSync(at(d), pick([0o700, 0o750, 0o755])!);
      return `${op} ${d?.rel}`;
    case 'retarget': {
      const l = pick(links);
      if (l) {
        unlinkSync(at(l));
        symlinkSync(`target-${step}`, at(l));
      }
      return `${op} ${l?.rel}`;
    }
    case 'file-to-dir':
      if (f) {
        unlinkSync(at(f));
        mkdirSync(at(f));
        writeFileSync(join(at(f), 'was-a-file'), `${step}\n`);
      }
      return `${op} ${f?.rel}`;
    case 'dir-to-file':
      if (d) {
        rmSync(at(d), { recursive: true });
        writeFileSync(at(d), `was a folder ${step}\n`);
      }
      return `${op} ${d?.rel}`;
    case 'xattr':
      if (f) writeXattr(at(f), 'user.osgit-test', Buffer.from(`v${step}`));
      return `${op} ${f?.rel}`;
    case 'chown':
      if (f) chownSync(at(f), 1000 + Math.floor(rnd() * 3), 1000);
      return `${op} ${f?.rel}`;
    case 'xattr-dir':
      if (d) writeXattr(at(d), 'user.osgit-test', Buffer.from(`d${step}`));
      return `${op} ${d?.rel}`;
  }
  return op;
}

/** The commit `ostree commit` makes of the worktree's files, in a copy of the repository. */
async function oracleCommit(wt: Worktree, step: string): Promise<string> {
  const oracleRepo = tmp.path(`oracle-${step}`);
  const copy = tmp.path(`copy-${step}`);
  // cp -a keeps modes, ownership, xattrs and symlinks as they are.
  for (const [src, dst] of [[wt.repo.path, oracleRepo], [wt.path, copy]] as const) {
    const c = await run('cp', ['-a', src, dst]);
    expect(c.code, c.stderr).toBe(0);
  }
  rmSync(join(copy, '.osgit-worktree'));
  const o = await run(OSTREE!, ['commit', `--repo=${oracleRepo}`, '-b', wt.branch, '-s', step, `--timestamp=@${1700000000 + Number(step.replace(/\D/g, ''))}`, copy]);
  expect(o.code, o.stderr).toBe(0);
  rmSync(oracleRepo, { recursive: true, force: true });
  rmSync(copy, { recursive: true, force: true });
  return o.stdout.trim();
}

describe.runIf(OSTREE)('worktree commit from the status scan', () => {
  for (const mode of ['bare-user', 'archive'] as const) {
    it(`after random edits gives the commit ostree gives for the same folder (${mode})`, async () => {
      const repo = await Repo.init(tmp.path('repo'), { mode });
      const src = tmp.make('src');
      buildSource(src);
      await commitTree(repo, { tree: src, branch: 'main', subject: 'base', timestamp: 1700000000n });
      const wt = await addWorktree(repo, { dir: tmp.path('wt') });
      const rnd = makePrng(mode === 'archive' ? 7 : 11).next;
      for (let round = 1; round <= 8; round++) {
        const done: string[] = [];
        const edits = 1 + Math.floor(rnd() * 6);
        for (let i = 0; i < edits; i++) done.push(randomEdit(wt.path, rnd, `${round}x${i}`));
        if (rnd() < 0.5) await wt.status(); // a status between edits and commit refreshes the cache
        const step = `r${round}`;
        const expected = await oracleCommit(wt, step);
        let commit: string;
        try {
          commit = (await wt.commit({ subject: step, timestamp: BigInt(1700000000 + round) })).commit;
        } catch (err) {
          // An edit that undid itself leaves nothing to commit: ostree then made the head's tree.
          if ((err as { code?: string }).code !== 'NOTHING_TO_COMMIT') throw err;
          commit = await wt.commit({ subject: step, timestamp: BigInt(1700000000 + round), allowEmpty: true }).then((r) => r.commit);
        }
        expect(commit, `round ${round}: ${done.join('; ')}`).toBe(expected);
        expect((await wt.status()).clean, `round ${round}: ${done.join('; ')}`).toBe(true);
      }
    });
  }
});

describe('worktree commit reads no unchanged tree', () => {
  it('reads no dirtree from the repository when the stat cache holds the head, and the tree equals a full commit', async () => {
    const repo = await Repo.init(tmp.path('repo'), { mode: 'bare-user' });
    const src = tmp.make('src');
    buildSource(src);
    await commitTree(repo, { tree: src, branch: 'main', subject: 'base', timestamp: 1700000000n });
    const wt = await addWorktree(repo, { dir: tmp.path('wt') });
    await new Promise((r) => setTimeout(r, 50)); // past the racy-git tick of the cache
    await wt.status();
    appendFileSync(join(wt.path, 'usr/share/doc/f20'), 'edited\n');
    const reads: string[] = [];
    const orig = wt.repo.readDirTreeSync.bind(wt.repo);
    wt.repo.readDirTreeSync = (c) => {
      reads.push(c);
      return orig(c);
    };
    const r = await wt.commit({ subject: 'one file', timestamp: 1700000100n });
    wt.repo.readDirTreeSync = orig;
    expect(reads).toEqual([]);
    const copy = tmp.path('copy');
    const c = await run('cp', ['-a', wt.path, copy]);
    expect(c.code, c.stderr).toBe(0);
    rmSync(join(copy, '.osgit-worktree'));
    const full = await commitTree(repo, { tree: copy, orphan: true, timestamp: 1700000100n });
    expect([r.rootTree, r.rootMeta]).toEqual([full.rootTree, full.rootMeta]);
  });
});

describe('worktree commit of a name that is not UTF-8', () => {
  it('is refused with COMMIT_INPUT as a commit of the folder is, and the branch does not move', async () => {
    const repo = await Repo.init(tmp.path('repo'), { mode: 'bare-user' });
    const src = tmp.make('src');
    buildSource(src);
    const base = (await commitTree(repo, { tree: src, branch: 'main', subject: 'base', timestamp: 1700000000n })).commit;
    const wt = await addWorktree(repo, { dir: tmp.path('wt') });
    writeFileSync(Buffer.concat([Buffer.from(`${wt.path}/etc/bad-`), Buffer.from([0xff, 0xfe])]), 'x\n');
    const err = await wt.commit({ subject: 'bad' }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('COMMIT_INPUT');
    expect(String((err as Error).message)).toContain('not valid UTF-8');
    expect(wt.head).toBe(base);
  });
});
