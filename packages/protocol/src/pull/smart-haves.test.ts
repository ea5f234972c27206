// The haves a smart pull offers cross merges: behind a merge tip, every parent (OSTree's and
// `osgit.merge-parents`) within `ancestors` steps, complete ones only, bounded by `max`.
import { afterAll, describe, expect, it } from 'vitest';
import { Repo, markCommitPartial } from '@osgit/store';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool } from '../../../../test/helpers/tools.js';
import { buildDag, DAGS } from '../../../../test/helpers/dag.js';
import { localHaves } from './smart-haves.js';

requireTool('git');
const tmp = tempDirs('smart-haves');
afterAll(() => tmp.cleanup());

describe('localHaves', () => {
  it('offers every parent of a merge tip (octopus O: B1, B2, B3), then theirs, complete ones only, within max', async () => {
    const repo = await Repo.init(tmp.path('repo', 'repo'), { mode: 'archive' });
    const dag = await buildDag(repo, tmp.path('git', 'git'), DAGS.octopus!, { main: 'O' });
    const names = async (opts: Parameters<typeof localHaves>[1]) => (await localHaves(repo, opts)).map(dag.nameOf);
    expect(await names({ ancestors: 1 })).toEqual(['O', 'B1', 'B2', 'B3']);
    expect(await names({ ancestors: 2 })).toEqual(['O', 'B1', 'B2', 'B3', 'A']);
    expect(await names({ ancestors: 2, max: 3 })).toEqual(['O', 'B1', 'B2']);
    // A partial parent is not offered, nor is anything only behind it.
    await markCommitPartial(repo, dag.osgit.get('B2')!);
    expect(await names({ ancestors: 2 })).toEqual(['O', 'B1', 'B3', 'A']);
  });
});
