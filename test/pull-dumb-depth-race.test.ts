// The dumb pull fetches commits concurrently, so a commit can first be reached by a longer path
// through a merge and only later by a shorter one. `--depth` counts the shortest distance (as
// git's shallow fetch): when the shorter path arrives, the walk must go on from there. The server
// (helpers/repo-http-server.ts) holds back the short path's commit until the long path has
// fetched the shared one: ordered by events, not by time.
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Repo } from '@osgit/store';
import { buildDag, git, type DagNodeSpec } from './helpers/dag.js';
import { startRepoHttpServer } from './helpers/repo-http-server.js';
import { tempDirs } from './helpers/tmp.js';
import { osgitOk, runOk } from './helpers/tools.js';

const tmp = tempDirs('pull-dumb-depth-race');
afterAll(() => tmp.cleanup());

/** A(B, C); B-D; C-E-D; D-F: D is 2 steps from A through B, 3 through C and E; F one more. */
const NODES: readonly DagNodeSpec[] = [
  { name: 'F' }, { name: 'D', parents: ['F'] }, { name: 'E', parents: ['D'] }, { name: 'B', parents: ['D'] },
  { name: 'C', parents: ['E'] }, { name: 'A', parents: ['B', 'C'] },
];

describe('dumb pull --depth over merges', () => {
  it('walks on from a commit first reached by a longer path once a shorter one reaches it (as git clone --depth)', async () => {
    const src = join(tmp.make('src'), 'repo');
    await osgitOk(['init', '--repo', src, '--mode', 'archive']);
    const dag = await buildDag(await Repo.open(src), join(tmp.make('git'), 'repo.git'), NODES, { main: 'A' });
    const commitPath = (name: string): string => {
      const c = dag.osgit.get(name)!;
      return `/objects/${c.slice(0, 2)}/${c.slice(2)}.commit`;
    };
    let dServed!: () => void;
    const dDone = new Promise<void>((resolve) => (dServed = resolve));
    const server = await startRepoHttpServer(src, async ({ path, res, file }) => {
      if (path === commitPath('B')) {
        await dDone; // B (the short way to D) answers only after D was fetched the long way
        return false;
      }
      if (path === commitPath('D')) {
        const body = (await file())!;
        res.writeHead(200, { 'content-length': body.length }).end(body, () => dServed());
        return true;
      }
      return false;
    });
    try {
      const client = join(tmp.make('client'), 'repo');
      await osgitOk(['init', '--repo', client, '--mode', 'archive']);
      await osgitOk(['remote', 'add', '--repo', client, '--no-gpg-verify', 'origin', server.url]);
      await osgitOk(['pull', '--repo', client, 'origin', 'main', '--depth=3', '--protocol', 'dumb']);

      // B was answered only after D was served (the hold above): D came the long way first.
      expect(server.requests.filter((r) => r.path === commitPath('D'))).toEqual([{ path: commitPath('D'), status: 200 }]);
      const names: string[] = [];
      for (const sub of readdirSync(join(client, 'objects'))) {
        for (const f of readdirSync(join(client, 'objects', sub))) if (f.endsWith('.commit')) names.push(dag.nameOf(sub + f.slice(0, -7)));
      }
      const shallow = join(tmp.make('shallow'), 'clone.git');
      await runOk('git', ['clone', '-q', '--bare', '--depth', '4', '--branch', 'main', `file://${dag.gitDir}`, shallow]);
      const gitNames = (await git(shallow, ['rev-list', 'main'])).stdout.trim().split('\n').map(dag.nameOf).sort();
      expect(gitNames).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
      expect(names.sort()).toEqual(gitNames);
    } finally {
      await server.stop();
    }
  });
});
