// Every flag of `osgit commit`, alone and in the combinations that change the commit object's
// metadata or parent, run through `ostree commit` 2022.7 and through osgit with the identical
// argument list: the commit checksums must be equal (DESIGN.md §1), or both tools must refuse.
// The expected checksum is always the one ostree prints. Fixed timestamps, TZ=UTC for both.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixtureTree } from './helpers/fixture.js';
import { OSTREE, readRefFile } from './helpers/ostree.js';
import { tempDirs } from './helpers/tmp.js';
import { describeFailure, expectChecksum, lastLine, start, startOsgit, type RunResult } from './helpers/tools.js';

const tmp = tempDirs('commit-flags');
afterAll(() => tmp.cleanup());

const ENV = { TZ: 'UTC', SOURCE_DATE_EPOCH: undefined };
const COLLECTION_ID = 'org.example.Os';

/** `refused` holds only the refused cases, so that counting its objects races with no other case. */
type RepoKind = 'plain' | 'collection' | 'refused';

interface Case {
  name: string;
  /** flags; BASE stands for a commit both repos hold (made first with `-b base`) */
  args: string[];
  repo?: RepoKind;
  /** commits made first with both tools (checksums compared too), e.g. to give a branch a head */
  before?: string[][];
  /** the branch whose ref must end up at the new commit in both repos */
  branch?: string;
}

const TS = '--timestamp=@1577836800';

const SAME: Case[] = [
  { name: '--orphan (an empty ostree.ref-binding)', args: ['--orphan', TS] },
  { name: '--orphan --no-bindings', args: ['--orphan', '--no-bindings', TS] },
  { name: '--orphan -b (binds and moves the branch, no parent)', args: ['--orphan', '-b', 'c/orphan-b', TS], branch: 'c/orphan-b' },
  {
    name: '--orphan -b on a branch that has a head (no parent)',
    before: [['-b', 'c/orphan-head', '--timestamp=@1']],
    args: ['--orphan', '-b', 'c/orphan-head', TS],
    branch: 'c/orphan-head',
  },
  { name: '--orphan --parent', args: ['--orphan', '--parent=BASE', TS] },
  { name: '--orphan with metadata strings', args: ['--orphan', '--add-metadata-string', 'version=1', TS] },
  { name: '-b --parent on a new branch', args: ['-b', 'c/new-parent', '--parent=BASE', TS], branch: 'c/new-parent' },
  {
    name: '-b on a branch that has a head (the head is the parent)',
    before: [['-b', 'c/head', '--timestamp=@1']],
    args: ['-b', 'c/head', TS],
    branch: 'c/head',
  },
  {
    name: '-b --parent=none on a branch that has a head',
    before: [['-b', 'c/parent-none', '--timestamp=@1']],
    args: ['-b', 'c/parent-none', '--parent=none', TS],
    branch: 'c/parent-none',
  },
  {
    name: '-b --parent overriding the head',
    before: [['-b', 'c/reparent', '--timestamp=@1']],
    args: ['-b', 'c/reparent', '--parent=BASE', TS],
    branch: 'c/reparent',
  },
  { name: '-b --no-bindings', args: ['-b', 'c/no-bindings', '--no-bindings', TS], branch: 'c/no-bindings' },
  { name: 'an empty subject and body', args: ['-b', 'c/empty-msg', '-s', '', '-m', '', TS], branch: 'c/empty-msg' },
  { name: 'a body only', args: ['-b', 'c/body', '-m', 'Body\n\nmore', TS], branch: 'c/body' },
  { name: 'a two-line subject and non-ASCII text', args: ['-b', 'c/text', '-s', 'line 1\nline 2', '-m', 'çödé ✓', '--add-metadata-string', 'ké=vä', TS], branch: 'c/text' },
  {
    name: 'metadata strings in the order given (z, a, m)',
    args: ['-b', 'c/order', '--add-metadata-string', 'z=1', '--add-metadata-string', 'a=2', '--add-metadata-string', 'm=3', TS],
    branch: 'c/order',
  },
  { name: 'a repeated metadata key (both kept)', args: ['-b', 'c/repeat', '--add-metadata-string', 'a=1', '--add-metadata-string', 'a=2', TS], branch: 'c/repeat' },
  { name: "a value holding '=' and an empty value", args: ['-b', 'c/values', '--add-metadata-string', 'k=a=b', '--add-metadata-string', 'e=', TS], branch: 'c/values' },
  { name: 'a metadata string named ostree.ref-binding', args: ['-b', 'c/user-binding', '--add-metadata-string', 'ostree.ref-binding=x', TS], branch: 'c/user-binding' },
  { name: 'ostree.collection-binding set in a repo without a collection id', args: ['-b', 'c/user-coll', '--add-metadata-string', 'ostree.collection-binding=x', TS], branch: 'c/user-coll' },
  { name: 'metadata strings and --no-bindings', args: ['-b', 'c/meta-nb', '--no-bindings', '--add-metadata-string', 'version=2', TS], branch: 'c/meta-nb' },
  { name: 'the largest --owner-uid ostree takes', args: ['-b', 'c/own-max', '--owner-uid=2147483647', TS], branch: 'c/own-max' },
  { name: '--canonical-permissions with owner 0', args: ['-b', 'c/canon0', '--canonical-permissions', '--owner-uid=0', '--owner-gid=0', TS], branch: 'c/canon0' },
  { name: '--no-xattrs --owner-uid', args: ['-b', 'c/noxattrs-own', '--no-xattrs', '--owner-uid=7', TS], branch: 'c/noxattrs-own' },
  { name: '--tree=dir=', args: ['-b', 'c/tree-opt', TS, '--tree=dir=TREE'], branch: 'c/tree-opt' },
  { name: 'a timestamp of @-1', args: ['-b', 'c/ts-minus1', '--timestamp=@-1'], branch: 'c/ts-minus1' },
  { name: 'the smallest int64 timestamp', args: ['-b', 'c/ts-min', '--timestamp=@-9223372036854775808'], branch: 'c/ts-min' },
  { name: 'the largest int64 timestamp', args: ['-b', 'c/ts-max', '--timestamp=@9223372036854775807'], branch: 'c/ts-max' },
  { name: 'a 1969 ISO 8601 date with an offset', args: ['-b', 'c/ts-1969-off', '--timestamp=1969-07-20T21:17:40+01:00'], branch: 'c/ts-1969-off' },
  { name: 'a zone-less date before 1900', args: ['-b', 'c/ts-1899', '--timestamp=1899-12-31 23:59:59'], branch: 'c/ts-1899' },
  { name: 'year 1', args: ['-b', 'c/ts-year1', '--timestamp=0001-01-01 00:00:00 UTC'], branch: 'c/ts-year1' },
  // With core.collection-id set:
  { name: 'collection id: -b', repo: 'collection', args: ['-b', 'k/plain', TS], branch: 'k/plain' },
  { name: 'collection id: --orphan', repo: 'collection', args: ['--orphan', TS] },
  { name: 'collection id: --orphan --no-bindings', repo: 'collection', args: ['--orphan', '--no-bindings', TS] },
  { name: 'collection id: --no-bindings', repo: 'collection', args: ['-b', 'k/nb', '--no-bindings', TS], branch: 'k/nb' },
  {
    name: 'collection id: metadata strings, then ref-binding, then collection-binding',
    repo: 'collection',
    args: ['-b', 'k/meta', '--add-metadata-string', 'version=3', '--add-metadata-string', 'a=b', TS],
    branch: 'k/meta',
  },
  {
    name: 'collection id: a metadata string overrides ostree.collection-binding',
    repo: 'collection',
    args: ['-b', 'k/override', '--add-metadata-string', 'ostree.collection-binding=other', TS],
    branch: 'k/override',
  },
  {
    name: 'collection id: an override with --no-bindings',
    repo: 'collection',
    args: ['-b', 'k/override-nb', '--no-bindings', '--add-metadata-string', 'ostree.collection-binding=other', TS],
    branch: 'k/override-nb',
  },
  { name: 'collection id: --orphan --parent', repo: 'collection', args: ['--orphan', '--parent=BASE', TS] },
];

/** Flag sets both tools refuse: osgit with the usage exit code 2, the branch unmoved, no object written. */
const REFUSED: Case[] = [
  { name: 'neither -b nor --orphan', args: [TS] },
  { name: '--canonical-permissions with a non-zero --owner-uid', args: ['-b', 'r/canon-uid', '--canonical-permissions', '--owner-uid=1000', TS], branch: 'r/canon-uid' },
  { name: '--canonical-permissions with a non-zero --owner-gid', args: ['-b', 'r/canon-gid', '--canonical-permissions', '--owner-gid=5', TS], branch: 'r/canon-gid' },
  { name: 'an --owner-uid past 2^31-1', args: ['-b', 'r/uid-big', '--owner-uid=2147483648', TS], branch: 'r/uid-big' },
  { name: 'an --owner-gid of 2^32', args: ['-b', 'r/gid-wrap', '--owner-gid=4294967296', TS], branch: 'r/gid-wrap' },
  { name: 'a timestamp of 2^63', args: ['-b', 'r/ts-big', '--timestamp=@9223372036854775808'], branch: 'r/ts-big' },
  { name: 'a timestamp of -2^63-1', args: ['-b', 'r/ts-small', '--timestamp=@-9223372036854775809'], branch: 'r/ts-small' },
  { name: 'a timestamp of 2^64-1', args: ['-b', 'r/ts-u64', '--timestamp=@18446744073709551615'], branch: 'r/ts-u64' },
  { name: 'an empty metadata key', args: ['-b', 'r/empty-key', '--add-metadata-string', '=v', TS], branch: 'r/empty-key' },
  { name: "a metadata string without '='", args: ['-b', 'r/no-eq', '--add-metadata-string', 'novalue', TS], branch: 'r/no-eq' },
];

let tree: string;
const repos: Record<RepoKind, { ostree: string; osgit: string }> = {
  plain: { ostree: '', osgit: '' },
  collection: { ostree: '', osgit: '' },
  refused: { ostree: '', osgit: '' },
};
const bases: Record<RepoKind, string> = { plain: '', collection: '', refused: '' };

function runOstree(args: readonly string[]): Promise<RunResult> {
  return start(OSTREE!, args, { env: ENV }).done;
}

function runOsgit(args: readonly string[]): Promise<RunResult> {
  return startOsgit(args, { env: ENV }).done;
}

async function ok(r: Promise<RunResult>, what: string, args: readonly string[]): Promise<RunResult> {
  const res = await r;
  if (res.code !== 0) throw new Error(describeFailure(what, args, res));
  return res;
}

function substitute(kind: RepoKind, args: readonly string[]): string[] {
  return args.map((a) => a.replace('BASE', bases[kind]).replace('TREE', tree));
}

/** Both tools commit the tree with `args`; returns [ostree's checksum, osgit's checksum]. */
async function commitBoth(kind: RepoKind, args: readonly string[]): Promise<[string, string]> {
  const full = substitute(kind, args);
  const withTree = full.some((a) => a.startsWith('--tree=')) ? full : [...full, tree];
  const o = await ok(runOstree(['commit', `--repo=${repos[kind].ostree}`, ...withTree]), 'ostree commit', withTree);
  const g = await ok(runOsgit(['commit', '--repo', repos[kind].osgit, ...withTree]), 'osgit commit', withTree);
  return [expectChecksum(lastLine(o.stdout), 'ostree commit'), expectChecksum(lastLine(g.stdout), 'osgit commit')];
}

function objectCount(repo: string): number {
  const objects = join(repo, 'objects');
  return readdirSync(objects).reduce((n, d) => n + readdirSync(join(objects, d)).length, 0);
}

// Cases run concurrently (each on its own branches): every case is two short processes.
describe.skipIf(!OSTREE).concurrent('osgit commit and ostree commit agree on every flag', () => {
  beforeAll(async () => {
    tree = makeFixtureTree(tmp.path('tree', 'tree'), { bigFiles: false }).root;
    for (const kind of ['plain', 'collection', 'refused'] as const) {
      const dir = tmp.make(kind);
      repos[kind] = { ostree: join(dir, 'ostree'), osgit: join(dir, 'osgit') };
      const coll = kind === 'collection' ? [`--collection-id=${COLLECTION_ID}`] : [];
      await ok(runOstree(['init', `--repo=${repos[kind].ostree}`, '--mode=archive', ...coll]), 'ostree init', []);
      await ok(runOsgit(['init', '--repo', repos[kind].osgit, '--mode', 'archive']), 'osgit init', []);
      if (kind === 'collection') {
        await ok(runOstree(['config', `--repo=${repos[kind].osgit}`, 'set', 'core.collection-id', COLLECTION_ID]), 'ostree config', []);
      }
      const [o, g] = await commitBoth(kind, ['-b', 'base', '-s', 'base', '--timestamp=@1000000000']);
      expect(g).toBe(o);
      bases[kind] = o;
    }
  });

  for (const c of SAME) {
    it(`gives ostree's checksum with ${c.name}`, async ({ expect }) => {
      const kind = c.repo ?? 'plain';
      for (const pre of c.before ?? []) {
        const [o, g] = await commitBoth(kind, pre);
        expect(g, `setup commit ${pre.join(' ')}`).toBe(o);
      }
      const [theirs, ours] = await commitBoth(kind, c.args);
      expect(ours).toBe(theirs);
      if (c.branch) {
        expect(readRefFile(repos[kind].ostree, c.branch)).toBe(`${theirs}\n`);
        expect(readRefFile(repos[kind].osgit, c.branch)).toBe(`${theirs}\n`);
      }
    });
  }

  for (const c of REFUSED) {
    it(`refuses, as ostree does, ${c.name}`, async ({ expect }) => {
      const { ostree: o, osgit: g } = repos.refused;
      const args = [...substitute('refused', c.args), tree];
      const theirs = await runOstree(['commit', `--repo=${o}`, ...args]);
      expect(theirs.code, 'ostree refuses it too').not.toBe(0);
      const before = objectCount(g);
      const ours = await runOsgit(['commit', '--repo', g, ...args]);
      expect(ours.code, ours.stderr).toBe(2);
      expect(ours.stderr).toMatch(/^osgit: error: /);
      expect(objectCount(g)).toBe(before);
      if (c.branch) expect(readRefFile(g, c.branch)).toBeNull();
    });
  }
});
