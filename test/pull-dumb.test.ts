// `osgit pull` over the dumb protocol from nginx serving a repository the real ostree wrote: the
// same commits, a repository `ostree fsck` passes, and checkouts equal to ostree's own.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectTreesEqual, snapshotTree, type SnapshotOptions } from './helpers/compare.js';
import { haveNginx, startNginx, type Nginx } from './helpers/nginx.js';
import { OSTREE, ostree, ostreeCheckout, ostreeOk, ostreeRevParse, type RepoMode } from './helpers/ostree.js';
import { makeClientRepo, makeRemoteRepo, type RemoteRepo } from './helpers/pull-fixture.js';
import { tempDirs } from './helpers/tmp.js';
import { isRoot, osgit, osgitOk } from './helpers/tools.js';

const tmp = tempDirs('pull-dumb');
const NGINX = haveNginx();

const USER_MODE: SnapshotOptions = { ignoreXattrs: ['security.selinux', 'user.ostreemeta'] };

function objectFile(repo: string, checksum: string, ext: string): string {
  return join(repo, 'objects', checksum.slice(0, 2), `${checksum.slice(2)}.${ext}`);
}

async function fsckClean(repo: string): Promise<void> {
  const r = await ostree(['fsck', `--repo=${repo}`]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
}

describe.skipIf(!OSTREE || !NGINX)('osgit pull (dumb) from nginx serving an ostree repository', () => {
  let remote: RemoteRepo;
  let bare: RemoteRepo;
  let withSummary: Nginx;
  let withoutSummary: Nginx;

  beforeAll(async () => {
    [remote, bare] = await Promise.all([makeRemoteRepo(tmp, { summary: true }), makeRemoteRepo(tmp, { summary: false, bigFiles: false })]);
    [withSummary, withoutSummary] = await Promise.all([startNginx(remote.path), startNginx(bare.path)]);
  });
  afterAll(async () => {
    await Promise.all([withSummary?.stop(), withoutSummary?.stop()]);
    await tmp.cleanup();
  });

  const modes: RepoMode[] = isRoot ? ['archive', 'bare-user', 'bare'] : ['archive', 'bare-user'];
  for (const mode of modes) {
    it(`pulls into a ${mode} repository the commit ostree made, which ostree fsck passes and checks out the same`, async () => {
      const client = await makeClientRepo(tmp, mode, withSummary.url);
      const r = await osgitOk(['pull', '--repo', client, 'origin', 'test/main', '--json']);
      const result = JSON.parse(r.stdout);
      expect(result).toMatchObject({
        protocol: 'dumb',
        refs: [{ ref: 'test/main', localRef: 'origin:test/main', commit: remote.second, old: null }],
      });
      expect(result.objects).toBeGreaterThan(10);
      expect(await ostreeRevParse(client, 'origin:test/main')).toBe(remote.second);
      expect(existsSync(join(client, 'state', `${remote.second}.commitpartial`))).toBe(false);
      await fsckClean(client);
      // Compared with ostree's checkout of the remote itself: user mode for bare-user, full otherwise.
      const flags = mode === 'bare-user' || !isRoot ? ['-U'] : [];
      const theirs = tmp.path('theirs');
      const ours = tmp.path('ours');
      await ostreeCheckout(remote.path, remote.second, theirs, flags);
      await ostreeCheckout(client, 'origin:test/main', ours, flags);
      const snap = flags.length ? USER_MODE : {};
      expectTreesEqual(snapshotTree(theirs, snap), snapshotTree(ours, snap), { labels: ['remote', `pulled into ${mode}`] });
      if (mode === 'archive') {
        // Pulled archive objects are the server's bytes (as with ostree pull, §5.2).
        expect(readFileSync(objectFile(client, remote.second, 'commit'))).toEqual(readFileSync(objectFile(remote.path, remote.second, 'commit')));
      }
    });
  }

  it('pulls nothing again when the repository has the commit', async () => {
    const client = await makeClientRepo(tmp, 'archive', withSummary.url);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
    const before = withSummary.accessLog().length;
    const again = JSON.parse((await osgitOk(['pull', '--repo', client, 'origin', 'test/main', '--json'])).stdout);
    expect(again).toMatchObject({ objects: 0, refs: [{ commit: remote.second, old: remote.second }] });
    // the probe, summary.sig and summary: no object
    expect(withSummary.accessLog().slice(before).filter((l) => l.includes('/objects/'))).toEqual([]);
  });

  it('pulls only the head commit by default, and its parent with --depth 1', async () => {
    const client = await makeClientRepo(tmp, 'archive', withSummary.url);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
    expect(existsSync(objectFile(client, remote.first, 'commit'))).toBe(false);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main', '--depth', '1']);
    expect(existsSync(objectFile(client, remote.first, 'commit'))).toBe(true);
    const log = (await ostreeOk(['log', `--repo=${client}`, 'origin:test/main'])).stdout;
    expect(log).toContain(`commit ${remote.second}`);
    expect(log).toContain(`commit ${remote.first}`);
    await fsckClean(client);
    // A first pull with --depth -1 into a fresh repository takes the whole history.
    const all = await makeClientRepo(tmp, 'bare-user', withSummary.url);
    await osgitOk(['pull', '--repo', all, 'origin', 'test/main', '--depth=-1']);
    expect(existsSync(objectFile(all, remote.first, 'commit'))).toBe(true);
    await fsckClean(all);
  });

  it('with --commit-metadata-only fetches the commit alone and leaves it partial; a full pull completes it', async () => {
    const client = await makeClientRepo(tmp, 'archive', withSummary.url);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main', '--commit-metadata-only']);
    expect(existsSync(objectFile(client, remote.second, 'commit'))).toBe(true);
    expect(existsSync(join(client, 'state', `${remote.second}.commitpartial`))).toBe(true);
    expect(readdirSync(join(client, 'objects')).flatMap((d) => readdirSync(join(client, 'objects', d))).filter((f) => f.endsWith('.dirtree'))).toEqual([]);
    expect(await ostreeRevParse(client, 'origin:test/main')).toBe(remote.second);
    await fsckClean(client);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
    expect(existsSync(join(client, 'state', `${remote.second}.commitpartial`))).toBe(false);
    await fsckClean(client);
  });

  it('with --mirror and no refs takes every ref into refs/heads and copies the summary', async () => {
    const client = await makeClientRepo(tmp, 'archive', withSummary.url);
    const r = JSON.parse((await osgitOk(['pull', '--repo', client, '--mirror', 'origin', '--json'])).stdout);
    expect(r.refs.map((x: { localRef: string; commit: string }) => [x.localRef, x.commit])).toEqual([
      ['other/ref', remote.first],
      ['test/main', remote.second],
    ]);
    expect(await ostreeRevParse(client, 'test/main')).toBe(remote.second);
    expect(await ostreeRevParse(client, 'other/ref')).toBe(remote.first);
    expect(existsSync(join(client, 'refs', 'remotes', 'origin'))).toBe(false);
    expect(readFileSync(join(client, 'summary'))).toEqual(readFileSync(join(remote.path, 'summary')));
    await fsckClean(client);
  });

  it('finds refs in refs/heads/ when the remote has no summary', async () => {
    const client = await makeClientRepo(tmp, 'bare-user', withoutSummary.url);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main', 'other/ref']);
    expect(await ostreeRevParse(client, 'origin:test/main')).toBe(bare.second);
    expect(await ostreeRevParse(client, 'origin:other/ref')).toBe(bare.first);
    const log = withoutSummary.accessLog();
    expect(log.some((l) => l.includes('GET /refs/heads/test/main '))).toBe(true);
    await fsckClean(client);
  });

  it('pulls the branches= of the remote when no ref is named', async () => {
    const client = await makeClientRepo(tmp, 'archive', withSummary.url, []);
    await ostreeOk(['config', `--repo=${client}`, 'set', 'remote "origin".branches', 'other/ref;']);
    await osgitOk(['pull', '--repo', client, 'origin']);
    expect(await ostreeRevParse(client, 'origin:other/ref')).toBe(remote.first);
  });

  it('refuses a ref the remote does not have, fetching no object', async () => {
    for (const server of [withSummary, withoutSummary]) {
      const client = await makeClientRepo(tmp, 'archive', server.url);
      const r = await osgit(['pull', '--repo', client, 'origin', 'no/such/ref', '--json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).error.code).toBe('REMOTE_REF_NOT_FOUND');
      expect(readdirSync(join(client, 'objects'))).toEqual([]);
    }
  });

  it('says SMART_UNAVAILABLE for --protocol smart against a static server', async () => {
    const client = await makeClientRepo(tmp, 'archive', withSummary.url);
    const r = await osgit(['pull', '--repo', client, 'origin', 'test/main', '--protocol', 'smart', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('SMART_UNAVAILABLE');
  });

  it('prints JSON progress lines on stderr with --json', async () => {
    const client = await makeClientRepo(tmp, 'archive', withSummary.url);
    const r = await osgitOk(['pull', '--repo', client, 'origin', 'test/main', '--json']);
    const all = r.stderr.trim().split('\n').map((l) => JSON.parse(l));
    // The remote has no keys: one warning line says so, the others are progress.
    expect(all.filter((l) => l.warning)).toEqual([{ warning: 'nothing was verified: remote origin has no keys' }]);
    const lines = all.filter((l) => l.progress);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.at(-1)).toMatchObject({ progress: { phase: 'done' } });
    const last = lines.at(-1).progress;
    expect(last.objects).toBe(JSON.parse(r.stdout).objects);
    expect(last.bytes).toBe(JSON.parse(r.stdout).bytes);
  });
});
