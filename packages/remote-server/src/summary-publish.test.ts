// publishSummary, the last step of a push: the summary written after refs moved names them, and
// publishes that overlap share work without ever leaving a summary older than the last caller's refs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gvariant, Repo, SUMMARY_TYPE, updateRef } from '@osgit/store';
import { commitFiles } from '../../../test/helpers/store-fixtures.js';
import { tempDirs } from '../../../test/helpers/tmp.js';
import { publishSummary } from './summary-publish.js';

const tmp = tempDirs('summary-publish');
afterAll(() => tmp.cleanup());

function summaryRefs(repo: Repo): Record<string, string> {
  const [refs] = gvariant.deserialize(SUMMARY_TYPE, readFileSync(join(repo.path, 'summary'))) as [Array<[string, [bigint, Uint8Array]]>];
  return Object.fromEntries(refs.map(([name, [, c]]) => [name, Buffer.from(c).toString('hex')]));
}

describe('publishSummary', () => {
  it('writes a summary naming every ref as it is after the caller moved it, when publishes overlap', async () => {
    const repo = await Repo.init(join(tmp.make('repo'), 'repo'), { mode: 'archive' });
    const tree = tmp.make('tree');
    const opts = { timestamp: 1577836800n };
    const c1 = await commitFiles(repo, tree, { 'a.txt': 'one\n' }, { ...opts, branch: 'os/a' });
    const c2 = await commitFiles(repo, tree, { 'b.txt': 'two\n' }, { ...opts, branch: 'os/b' });
    // Ten pushes end at once, each having just moved a ref: every publish resolves with a
    // summary holding at least its own ref, and the file names them all.
    const pushes = Array.from({ length: 10 }, async (_, i) => {
      const ref = { remote: null, name: `os/r${i}` };
      await updateRef(repo, { ref, expected: undefined, value: i % 2 ? c1 : c2 });
      const r = await publishSummary(repo);
      expect(r.refs.map((x) => x.ref)).toContain(`os/r${i}`);
    });
    await Promise.all(pushes);
    const refs = summaryRefs(repo);
    for (let i = 0; i < 10; i++) expect(refs[`os/r${i}`]).toBe(i % 2 ? c1 : c2);
  });
});
