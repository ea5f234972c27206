// `osgit pull` picks its protocol with one probe: smart from `osgit serve`, dumb from nginx
// serving the same folder; the remote's `osgit-protocol=` and --protocol override the probe; both
// protocols give the same commit, and a repository ostree fsck passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveNginx, startNginx, type Nginx } from './helpers/nginx.js';
import { OSTREE, ostree, ostreeRevParse } from './helpers/ostree.js';
import { makeClientRepo, makeRemoteRepo, type RemoteRepo } from './helpers/pull-fixture.js';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk } from './helpers/tools.js';

const tmp = tempDirs('pull-protocol');
const NGINX = haveNginx();

describe.skipIf(!OSTREE || !NGINX)('osgit pull protocol choice', () => {
  let remote: RemoteRepo;
  let served: Served;
  let nginx: Nginx;

  beforeAll(async () => {
    remote = await makeRemoteRepo(tmp, { summary: true, bigFiles: false });
    [served, nginx] = await Promise.all([startServe({ repo: remote.path }), startNginx(remote.path)]);
  });
  afterAll(async () => {
    await Promise.all([served?.stop(), nginx?.stop()]);
    await tmp.cleanup();
  });

  async function pullJson(client: string, extra: string[] = []): Promise<{ protocol: string; refs: Array<{ commit: string }> }> {
    return JSON.parse((await osgitOk(['pull', '--repo', client, 'origin', 'test/main', '--json', ...extra])).stdout);
  }

  it('uses the smart protocol when the server offers it, and the dumb one from a static server', async () => {
    const fromServe = await makeClientRepo(tmp, 'bare-user', served.url);
    const fromNginx = await makeClientRepo(tmp, 'bare-user', nginx.url);
    expect(await pullJson(fromServe)).toMatchObject({ protocol: 'smart', refs: [{ commit: remote.second }] });
    expect(await pullJson(fromNginx)).toMatchObject({ protocol: 'dumb', refs: [{ commit: remote.second }] });
    for (const client of [fromServe, fromNginx]) {
      expect(await ostreeRevParse(client, 'origin:test/main')).toBe(remote.second);
      expect((await ostree(['fsck', `--repo=${client}`])).code).toBe(0);
    }
  });

  it("pulls over the dumb protocol from osgit serve when told to, by flag or by the remote's osgit-protocol", async () => {
    const byFlag = await makeClientRepo(tmp, 'archive', served.url);
    expect(await pullJson(byFlag, ['--protocol', 'dumb'])).toMatchObject({ protocol: 'dumb', refs: [{ commit: remote.second }] });
    const byConfig = await makeClientRepo(tmp, 'archive', served.url, ['--set', 'osgit-protocol=dumb']);
    expect(await pullJson(byConfig)).toMatchObject({ protocol: 'dumb' });
    // The flag wins over the remote's setting.
    const again = await makeClientRepo(tmp, 'archive', served.url, ['--set', 'osgit-protocol=dumb']);
    expect(await pullJson(again, ['--protocol', 'auto'])).toMatchObject({ protocol: 'smart' });
  });

  it('refuses smart from a static server whether asked by flag or by the remote', async () => {
    const client = await makeClientRepo(tmp, 'archive', nginx.url, ['--set', 'osgit-protocol=smart']);
    const r = await osgit(['pull', '--repo', client, 'origin', 'test/main', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('SMART_UNAVAILABLE');
  });
});
