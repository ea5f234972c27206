// updateSummary writes what `ostree summary -u` writes for the same repository: the same refs
// entries byte for byte, the same metadata, and with the same last-modified the same file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitFiles } from '../../../../test/helpers/store-fixtures.js';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool, run } from '../../../../test/helpers/tools.js';
import { Repo } from '../repo/repo.js';
import type { RepoMode } from '../repo/config.js';
import { updateRef } from '../refs/refs.js';
import { bswap64, deserialize, serialize, type GValue, type GVariantBox } from '../gvariant/index.js';
import { SUMMARY_TYPE, updateSummary } from './summary.js';

const OSTREE = requireTool('ostree');
const tmp = tempDirs('summary');
afterAll(() => tmp.cleanup());

type Entry = [string, [bigint, Uint8Array, Array<[string, GVariantBox]>]];
type Parsed = { refs: Entry[]; meta: Array<[string, GVariantBox]> };

function parse(bytes: Uint8Array): Parsed {
  const [refs, meta] = deserialize(SUMMARY_TYPE, bytes) as [Entry[], Array<[string, GVariantBox]>];
  return { refs, meta };
}

const LAST_MODIFIED = 'ostree.summary.last-modified';

interface Setup {
  mode: RepoMode;
  collectionId?: string;
  config?: string;
}

/** A repo with several local refs (one commit carrying a version) and a remote-tracking ref. */
async function populated(setup: Setup): Promise<Repo> {
  let repo = await Repo.init(tmp.path(setup.mode, 'repo'), { mode: setup.mode, ...(setup.collectionId ? { collectionId: setup.collectionId } : {}) });
  if (setup.config) {
    writeFileSync(join(repo.path, 'config'), readFileSync(join(repo.path, 'config'), 'utf8') + setup.config);
    repo = await Repo.open(repo.path);
  }
  const src = tmp.make('src');
  const opts = { ownerUid: 0, ownerGid: 0 };
  const c1 = await commitFiles(repo, src, { a: 'a\n' }, { ...opts, branch: 'main', subject: 'one', timestamp: 1577836800n });
  await commitFiles(repo, src, { b: 'b\n' }, { ...opts, branch: 'main', subject: 'two', timestamp: 1577836900n, metadataStrings: [['version', '2.0']] });
  await commitFiles(repo, src, {}, { ...opts, branch: 'os/x86_64/stable', subject: 'stable', timestamp: 1577837000n });
  await commitFiles(repo, src, {}, { ...opts, branch: 'Zeta-upper', subject: 'sorting', timestamp: 1577837100n, metadataStrings: [['version', 'z']] });
  await updateRef(repo, { ref: { remote: 'origin', name: 'main' }, expected: null, value: c1 });
  return repo;
}

async function ostreeSummary(repo: Repo): Promise<Uint8Array> {
  const r = await run(OSTREE!, ['summary', `--repo=${repo.path}`, '-u']);
  expect(r.code, r.stderr).toBe(0);
  return new Uint8Array(readFileSync(join(repo.path, 'summary')));
}

const SETUPS: Array<[string, Setup]> = [
  ['an archive repo', { mode: 'archive' }],
  ['a bare-user repo', { mode: 'bare-user' }],
  ['a repo with tombstone commits enabled', { mode: 'archive', config: 'tombstone-commits=true\n' }],
  ['a repo with a collection ID', { mode: 'archive', collectionId: 'org.example.Os' }],
];

describe.skipIf(!OSTREE)('updateSummary against `ostree summary -u`', () => {
  for (const [label, setup] of SETUPS) {
    describe(`on ${label}`, () => {
      it('writes the same refs entries, byte for byte, and the same metadata but for last-modified', async () => {
        const repo = await populated(setup);
        const theirs = parse(await ostreeSummary(repo));
        const result = await updateSummary(repo);
        const mine = new Uint8Array(readFileSync(join(repo.path, 'summary')));
        const ours = parse(mine);
        expect(result.bytes).toBe(mine.length);
        expect(result.refs.map((r) => r.ref)).toEqual(theirs.refs.map(([name]) => name));
        expect(ours.refs).toEqual(theirs.refs);
        const refsType = SUMMARY_TYPE.slice(1, SUMMARY_TYPE.indexOf(')a{sv}') + 1);
        expect(Buffer.from(serialize(refsType, ours.refs as GValue))).toEqual(Buffer.from(serialize(refsType, theirs.refs as GValue)));
        const withoutTime = (m: Parsed['meta']): Parsed['meta'] => m.filter(([k]) => k !== LAST_MODIFIED);
        expect(withoutTime(ours.meta)).toEqual(withoutTime(theirs.meta));
        expect(ours.meta.map(([k]) => k)).toEqual(theirs.meta.map(([k]) => k));
        // last-modified is now (big-endian seconds).
        const t = bswap64(ours.meta.find(([k]) => k === LAST_MODIFIED)![1].value as bigint);
        expect(Number(t)).toBeGreaterThan(Date.now() / 1000 - 60);
      });

      it('writes the very same file when given the same last-modified time', async () => {
        const repo = await populated(setup);
        const theirs = await ostreeSummary(repo);
        const lastModified = bswap64(parse(theirs).meta.find(([k]) => k === LAST_MODIFIED)![1].value as bigint);
        await updateSummary(repo, { lastModified });
        const mine = new Uint8Array(readFileSync(join(repo.path, 'summary')));
        expect(Buffer.from(mine).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
      });
    });
  }

  for (const [label, setup] of [SETUPS[0]!, SETUPS[3]!]) {
    it(`writes the very same file as ostree given an expiry (ostree.summary.expires), on ${label}`, async () => {
      const repo = await populated(setup);
      const expires = 1893456000n; // 2030-01-01
      // ostree's -m takes a GVariant text value and stores it as given: pass the big-endian form.
      const r = await run(OSTREE!, ['summary', `--repo=${repo.path}`, '-u', '-m', `ostree.summary.expires=uint64 ${bswap64(expires)}`]);
      expect(r.code, r.stderr).toBe(0);
      const theirs = new Uint8Array(readFileSync(join(repo.path, 'summary')));
      const lastModified = bswap64(parse(theirs).meta.find(([k]) => k === LAST_MODIFIED)![1].value as bigint);
      await updateSummary(repo, { lastModified, expires });
      const mine = readFileSync(join(repo.path, 'summary'));
      expect(mine.toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
      const box = parse(mine).meta.find(([k]) => k === 'ostree.summary.expires')![1];
      expect(box.type).toBe('t');
      expect(bswap64(box.value as bigint)).toBe(expires);
    });
  }

  it('removes a stale summary.sig, as ostree does', async () => {
    const repo = await populated({ mode: 'archive' });
    writeFileSync(join(repo.path, 'summary.sig'), 'old signature');
    await updateSummary(repo, { lastModified: 1577836800n });
    expect(existsSync(join(repo.path, 'summary.sig'))).toBe(false);
  });

  it('leaves out remote-tracking refs and lists the local ones by strcmp order', async () => {
    const repo = await populated({ mode: 'archive' });
    const { refs } = await updateSummary(repo, { lastModified: 1577836800n });
    expect(refs.map((r) => r.ref)).toEqual(['Zeta-upper', 'main', 'os/x86_64/stable']);
  });

  it('writes an empty refs list for a repo without refs, as ostree does', async () => {
    const repo = await Repo.init(tmp.path('empty', 'repo'), { mode: 'archive' });
    const theirs = await ostreeSummary(repo);
    const lastModified = bswap64(parse(theirs).meta.find(([k]) => k === LAST_MODIFIED)![1].value as bigint);
    await updateSummary(repo, { lastModified });
    expect(Buffer.from(readFileSync(join(repo.path, 'summary'))).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
  });
});
