// The mirror chain of issue 8: an origin made and GPG-signed by the real ostree, served by nginx
// -> `osgit mirror` -> served by `osgit serve` (smart protocol) -> `osgit mirror` -> served by
// nginx -> the real `ostree pull` with gpg-verify and gpg-verify-summary and the origin's keyring.
// Each mirror holds the origin's bytes: objects, detached metadata, refs, summary, summary.sig, deltas.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveNginx, startNginx, type Nginx } from './helpers/nginx.js';
import { differences, filesUnder, makeGpgHome, makeSignedOrigin, type GpgHome, type Origin } from './helpers/mirror-fixture.js';
import { OSTREE, ostreeOk, ostreeRevParse } from './helpers/ostree.js';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { osgitOk, requireTool } from './helpers/tools.js';

const tmp = tempDirs('mirror-chain');
const ready = OSTREE !== null && haveNginx() && requireTool('gpg') !== null;

describe.skipIf(!ready)('osgit mirror: origin -> mirror -> mirror of a mirror', () => {
  let gpg: GpgHome;
  let origin: Origin;
  let originHttp: Nginx;
  let m1: string;
  let m1Served: Served;
  let m2: string;
  let m2Http: Nginx;
  let first: Record<string, unknown>;
  let second: Record<string, unknown>;

  beforeAll(async () => {
    gpg = await makeGpgHome();
    origin = await makeSignedOrigin(tmp.make('origin'), gpg);
    originHttp = await startNginx(origin.path);
    m1 = join(tmp.make('m1'), 'mirror');
    // The first mirror verifies what it copies (the origin's key, commits and summary); the second trusts nothing.
    first = JSON.parse((await osgitOk(['mirror', originHttp.url, m1, '--gpg-import', gpg.publicKeyFile, '--gpg-verify-summary', '--json'])).stdout) as Record<string, unknown>;
    m1Served = await startServe({ repo: m1 });
    m2 = join(tmp.make('m2'), 'mirror');
    second = JSON.parse((await osgitOk(['mirror', m1Served.url, m2, '--json'])).stdout) as Record<string, unknown>;
    m2Http = await startNginx(m2);
  }, 240_000);

  afterAll(async () => {
    await m2Http?.stop();
    await m1Served?.stop();
    await originHttp?.stop();
    await gpg?.cleanup();
    await tmp.cleanup();
  });

  it('creates an archive repository whose refs are the origin\'s, under refs/heads', async () => {
    expect(first).toMatchObject({ created: true, protocol: 'dumb', summaryCopied: true });
    for (const m of [m1, m2]) {
      expect(await ostreeRevParse(m, 'os/stable')).toBe(origin.c2);
      expect(await ostreeRevParse(m, 'os/dev')).toBe(origin.dev);
      const mode = await ostreeOk(['config', `--repo=${m}`, 'get', 'core.mode']);
      expect(mode.stdout.trim()).toBe('archive-z2');
    }
    const remote = await ostreeOk(['config', `--repo=${m1}`, 'get', '--group=remote "origin"', 'url']);
    expect(remote.stdout.trim()).toBe(originHttp.url);
  });

  it('mirrors of the first mirror go over the smart protocol of osgit serve', () => {
    expect(second).toMatchObject({ created: true, protocol: 'smart', summaryCopied: true });
  });

  it('the first mirror verified every commit and the summary against the origin\'s key', () => {
    expect(first.verified).toMatchObject({ commits: 3, summary: true, keys: [gpg.keyId] });
    expect(second.verified).toBeNull();
  });

  it('holds the origin\'s bytes: objects, detached metadata, refs, summary, summary.sig, deltas and their files', () => {
    // every commit has detached metadata (the signatures), and there are two deltas of several files
    expect(filesUnder(origin.path, 'objects').filter((p) => p.endsWith('.commitmeta'))).toHaveLength(3);
    const deltaFiles = filesUnder(origin.path, 'deltas');
    expect(deltaFiles.filter((p) => p.endsWith('/superblock'))).toHaveLength(3);
    expect(deltaFiles.filter((p) => !p.endsWith('/superblock'))).toHaveLength(2); // the inline delta has no part file
    expect(filesUnder(origin.path, 'delta-indexes')).toHaveLength(2);
    expect(differences(origin.path, m1)).toEqual([]);
    expect(differences(origin.path, m2)).toEqual([]);
    expect((first.deltas as { copied: string[] }).copied.sort()).toEqual([origin.c2, `${origin.c1}-${origin.c2}`, origin.dev].sort());
    expect(first.deltas).toMatchObject({ indexes: 2 });
  });

  it('over the smart protocol too, a ref filter and a depth copy those refs only, without summary or deltas', async () => {
    const dir = join(tmp.make('smart-filtered'), 'm');
    const r = JSON.parse((await osgitOk(['mirror', m1Served.url, dir, 'os/stable', '--depth', '0', '--json'])).stdout) as Record<string, unknown>;
    expect(r).toMatchObject({ protocol: 'smart', summaryCopied: false, refs: [{ ref: 'os/stable', commit: origin.c2, old: null }] });
    expect(filesUnder(dir, 'objects').filter((p) => p.endsWith('.commit'))).toEqual([`objects/${origin.c2.slice(0, 2)}/${origin.c2.slice(2)}.commit`]);
    expect(differences(origin.path, dir, { only: ['summary', 'summary.sig', 'deltas'] }).every((d) => d.startsWith('only in origin'))).toBe(true);
    const meta = `objects/${origin.c2.slice(0, 2)}/${origin.c2.slice(2)}.commitmeta`;
    expect(readFileSync(join(dir, meta)).equals(readFileSync(join(origin.path, meta)))).toBe(true);
  });

  it('the mirror of the mirror passes both fscks', async () => {
    await osgitOk(['fsck', '--repo', m2]);
    await ostreeOk(['fsck', `--repo=${m2}`]);
  });

  it('serves a pull by the real ostree that verifies commits and summary against the origin\'s key, through a static delta', async () => {
    const client = join(tmp.make('client'), 'repo');
    await ostreeOk(['init', `--repo=${client}`, '--mode=bare-user']);
    await ostreeOk(['remote', 'add', `--repo=${client}`, `--gpg-import=${gpg.publicKeyFile}`, '--set=gpg-verify=true', '--set=gpg-verify-summary=true', 'origin', m2Http.url]);
    const before = m2Http.accessLog().length;
    // --require-static-deltas: ostree fails unless it can use a delta of the mirror's
    const pulled = await ostreeOk(['pull', `--repo=${client}`, '--require-static-deltas', 'origin', 'os/stable']);
    expect(pulled.stdout).toMatch(/delta parts/);
    const requests = m2Http.accessLog().slice(before).join('\n');
    expect(requests).toMatch(/GET \/deltas\/[^ ]+\/superblock /);
    expect(await ostreeRevParse(client, 'origin:os/stable')).toBe(origin.c2);
    await ostreeOk(['pull', `--repo=${client}`, 'origin', 'os/dev']);
    await ostreeOk(['fsck', `--repo=${client}`]);
    // the signatures the client stored are the origin's, good for the origin's key
    const shown = await ostreeOk(['show', `--repo=${client}`, '--gpg-verify-remote=origin', 'origin:os/stable']);
    expect(shown.stdout).toMatch(new RegExp(`Good signature from "osgit mirror test <mirror@example.com>"`));
    expect(shown.stdout).toContain(gpg.keyId.slice(-16));
  });

  it('serves a pull by osgit that verifies commits and summary against the origin\'s key', async () => {
    const client = join(tmp.make('osgit-client'), 'repo');
    await osgitOk(['init', '--repo', client, '--mode', 'bare-user']);
    await osgitOk(['remote', 'add', '--repo', client, '--gpg-import', gpg.publicKeyFile, '--gpg-verify-summary', 'origin', m2Http.url]);
    const r = JSON.parse((await osgitOk(['pull', '--repo', client, 'origin', 'os/stable', 'os/dev', '--depth', '-1', '--json'])).stdout) as Record<string, unknown>;
    expect(r.verified).toMatchObject({ commits: 3, summary: true, keys: [gpg.keyId] });
    expect(await ostreeRevParse(client, 'origin:os/stable')).toBe(origin.c2);
    await osgitOk(['fsck', '--repo', client]);
  });

  it('the real ostree refuses the mirror when its summary.sig was signed by another key', async () => {
    const other = await makeGpgHome();
    try {
      const client = join(tmp.make('client-wrong-key'), 'repo');
      await ostreeOk(['init', `--repo=${client}`, '--mode=archive']);
      await ostreeOk(['remote', 'add', `--repo=${client}`, `--gpg-import=${other.publicKeyFile}`, '--set=gpg-verify-summary=true', 'origin', m2Http.url]);
      const { ostree } = await import('./helpers/ostree.js');
      const r = await ostree(['pull', `--repo=${client}`, 'origin', 'os/stable']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/signature|GPG/i);
    } finally {
      await other.cleanup();
    }
  });
});
