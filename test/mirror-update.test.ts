// osgit mirror beyond the first copy: a ref filter and a depth, updates that fetch only what the
// origin gained, signatures added to a commit after it was mirrored, a run SIGKILLed mid-way and
// completed by the next one, and the refusals (another origin in DIR, a tampered delta).
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGeneratedTree } from './helpers/fixture.js';
import { haveNginx, startNginx, type Nginx } from './helpers/nginx.js';
import { differences, filesUnder, makeGpgHome, makeSignedOrigin, signedSummary, writeTree, type GpgHome, type Origin } from './helpers/mirror-fixture.js';
import { OSTREE, ostreeCommit, ostreeInit, ostreeOk, ostreeRevParse } from './helpers/ostree.js';
import { startRepoHttpServer } from './helpers/repo-http-server.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, requireTool, startOsgit } from './helpers/tools.js';

const tmp = tempDirs('mirror-update');
const ready = OSTREE !== null && haveNginx() && requireTool('gpg') !== null;

type Json = Record<string, unknown> & { objects: number; refs: Array<{ ref: string; commit: string; old: string | null }> };
const mirror = async (args: readonly string[]): Promise<Json> => JSON.parse((await osgitOk(['mirror', ...args, '--json'])).stdout) as Json;
function flipLastByte(path: string): void {
  const bytes = readFileSync(path);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(path, bytes);
}
const errorOf = (stdout: string): { code: string } => (JSON.parse(stdout) as { error: { code: string } }).error;

describe.skipIf(!ready)('osgit mirror: filters, updates, resumption', () => {
  let gpg: GpgHome;
  let origin: Origin;
  let http: Nginx;

  beforeAll(async () => {
    gpg = await makeGpgHome();
    origin = await makeSignedOrigin(tmp.make('origin'), gpg);
    http = await startNginx(origin.path);
  }, 120_000);

  afterAll(async () => {
    await http?.stop();
    await gpg?.cleanup();
    await tmp.cleanup();
  });

  it('with refs and --depth copies those refs to that depth, and no summary or deltas (as ostree)', async () => {
    const dir = join(tmp.make('filtered'), 'm');
    const r = await mirror([http.url, dir, 'os/stable', '--depth', '0']);
    expect(r).toMatchObject({ summaryCopied: false, deltas: { copied: [], indexes: 0 } });
    expect(r.refs.map((x) => x.ref)).toEqual(['os/stable']);
    expect(await ostreeRevParse(dir, 'os/stable')).toBe(origin.c2);
    expect(existsSync(join(dir, 'refs/heads/os/dev'))).toBe(false);
    expect(existsSync(join(dir, 'summary'))).toBe(false);
    expect(filesUnder(dir, 'deltas')).toEqual([]);
    const commits = filesUnder(dir, 'objects').filter((p) => p.endsWith('.commit'));
    expect(commits).toEqual([`objects/${origin.c2.slice(0, 2)}/${origin.c2.slice(2)}.commit`]);
    // the commit's detached metadata is the origin's, byte for byte
    const meta = `objects/${origin.c2.slice(0, 2)}/${origin.c2.slice(2)}.commitmeta`;
    expect(readFileSync(join(dir, meta)).equals(readFileSync(join(origin.path, meta)))).toBe(true);
    await ostreeOk(['fsck', `--repo=${dir}`]);
  });

  it('an update fetches only the objects the origin gained, and picks up signatures added later', async () => {
    const src = join(tmp.make('moving'), 'origin');
    cpSync(origin.path, src, { recursive: true });
    const served = await startNginx(src);
    try {
      const dir = join(tmp.make('updated'), 'm');
      await mirror([served.url, dir]);
      expect(differences(src, dir)).toEqual([]);

      const before = new Set(filesUnder(src, 'objects'));
      const tree = writeTree(join(tmp.make('tree3'), 't'), { 'etc/os-release': 'NAME=mirror\nVERSION=3\n', 'usr/share/doc/c.txt': 'c\n' });
      const c3 = await ostreeCommit(src, ['-b', 'os/stable', '--timestamp=@1700000300', '-s', 'three', `--gpg-sign=${gpg.keyId}`, `--gpg-homedir=${gpg.home}`, tree]);
      await signedSummary(src, gpg);
      const gained = filesUnder(src, 'objects').filter((p) => !before.has(p));

      const r = await mirror([served.url, dir]);
      expect(r).toMatchObject({ created: false, summaryCopied: true });
      expect(r.refs.find((x) => x.ref === 'os/stable')).toMatchObject({ old: origin.c2, commit: c3 });
      expect(r.objects).toBe(gained.length);
      expect(differences(src, dir)).toEqual([]);

      // A second signature on c3 after the mirror had it: the next run replaces its .commitmeta.
      const second = await makeGpgHome();
      try {
        await ostreeOk(['gpg-sign', `--repo=${src}`, `--gpg-homedir=${second.home}`, c3, second.keyId]);
      } finally {
        await second.cleanup();
      }
      const again = await mirror([served.url, dir]);
      expect(again.objects).toBe(0);
      expect(again.detachedMetadataUpdated).toEqual([c3]);
      expect(differences(src, dir)).toEqual([]);
      await osgitOk(['fsck', '--repo', dir]);
      await ostreeOk(['fsck', `--repo=${dir}`]);
    } finally {
      await served.stop();
    }
  });

  it('a verifying mirror refuses new detached metadata no trusted key signed, and keeps the old', async () => {
    const src = join(tmp.make('resigned'), 'origin');
    cpSync(origin.path, src, { recursive: true });
    const served = await startNginx(src);
    const other = await makeGpgHome();
    try {
      const dir = join(tmp.make('verifying'), 'm');
      await mirror([served.url, dir, '--gpg-import', gpg.publicKeyFile, '--gpg-verify-summary']);
      const meta = `objects/${origin.c2.slice(0, 2)}/${origin.c2.slice(2)}.commitmeta`;
      const before = readFileSync(join(dir, meta));
      // the origin's c2 now carries only a signature by a key the mirror does not trust
      rmSync(join(src, meta));
      await ostreeOk(['gpg-sign', `--repo=${src}`, `--gpg-homedir=${other.home}`, origin.c2, other.keyId]);
      const r = await osgit(['mirror', served.url, dir, '--json']);
      expect(errorOf(r.stdout).code).toBe('SIGNATURE_INVALID');
      expect(r.code).toBe(10);
      expect(readFileSync(join(dir, meta)).equals(before)).toBe(true);
    } finally {
      await other.cleanup();
      await served.stop();
    }
  });

  it('refuses a DIR that mirrors another URL, and changes nothing', async () => {
    const dir = join(tmp.make('other-url'), 'm');
    await mirror([http.url, dir, 'os/dev']);
    const config = readFileSync(join(dir, 'config'));
    const r = await osgit(['mirror', 'http://127.0.0.1:9/elsewhere/', dir, '--json']);
    expect(r.code).toBe(2);
    expect(errorOf(r.stdout).code).toBe('REMOTE_EXISTS');
    expect(readFileSync(join(dir, 'config')).equals(config)).toBe(true);
  });

  // Each tampering of the origin's deltas is refused before the delta's superblock (and the summary) is written.
  const tamperings: Array<{ what: string; file: (deltaFiles: string[]) => string; damage: (path: string) => void; code: string; exit: number }> = [
    { what: 'a delta part that does not match its superblock', file: (f) => f.find((p) => p.endsWith('/0'))!, damage: flipLastByte, code: 'BAD_OBJECT', exit: 8 },
    { what: 'a superblock that does not match the summary', file: (f) => f.find((p) => p.endsWith('/superblock'))!, damage: flipLastByte, code: 'BAD_OBJECT', exit: 8 },
    { what: 'a delta the summary names but the origin lacks', file: (f) => f.find((p) => p.endsWith('/superblock'))!, damage: (p) => rmSync(p), code: 'HTTP_STATUS', exit: 8 },
  ];
  for (const t of tamperings) {
    it(`refuses ${t.what}, and writes neither its superblock nor the summary`, async () => {
      const src = join(tmp.make('tampered'), 'origin');
      cpSync(origin.path, src, { recursive: true });
      const target = t.file(filesUnder(src, 'deltas'));
      t.damage(join(src, target));
      const served = await startNginx(src);
      try {
        const dir = join(tmp.make('tampered-mirror'), 'm');
        const r = await osgit(['mirror', served.url, dir, '--json']);
        expect(errorOf(r.stdout).code).toBe(t.code);
        expect(r.code).toBe(t.exit);
        expect(existsSync(join(dir, target.replace(/\/[^/]+$/, '/superblock')))).toBe(false);
        expect(existsSync(join(dir, 'summary'))).toBe(false);
        expect(existsSync(join(dir, 'summary.sig'))).toBe(false);
      } finally {
        await served.stop();
      }
    });
  }

  it('pull --mirror in a repository with the remote configured is the same verbatim copy', async () => {
    const dir = join(tmp.make('pull-mirror'), 'repo');
    await osgitOk(['init', '--repo', dir, '--mode', 'archive']);
    await osgitOk(['remote', 'add', '--repo', dir, '--no-gpg-verify', 'origin', http.url]);
    const r = JSON.parse((await osgitOk(['pull', '--repo', dir, '--mirror', 'origin', '--depth', '-1', '--json'])).stdout) as Json;
    expect(r).toMatchObject({ summaryCopied: true });
    expect(differences(origin.path, dir)).toEqual([]);
    const human = await osgitOk(['pull', '--repo', dir, '--mirror', 'origin', '--depth', '-1']);
    expect(human.stdout).toContain('os/stable: unchanged');
    expect(human.stdout).toContain('summary and its signature copied verbatim');
  });
});

describe.skipIf(OSTREE === null)('osgit mirror killed mid-way', () => {
  let src: string;

  beforeAll(async () => {
    src = join(tmp.make('big'), 'origin');
    await ostreeInit(src, 'archive');
    const tree = tmp.path('big-tree', 't');
    makeGeneratedTree(tree, { files: 1200, maxSize: 8 * 1024 });
    const c = await ostreeCommit(src, ['-b', 'os/big', '--timestamp=@1700000000', tree]);
    await ostreeOk(['static-delta', 'generate', `--repo=${src}`, '--empty', `--to=${c}`]);
    await ostreeOk(['summary', `--repo=${src}`, '-u']);
  }, 180_000);

  // Two places to die: amid the objects (a .filez held), and amid a delta (its first part held).
  for (const where of ['objects', 'delta'] as const) {
    it(`SIGKILLed amid the ${where}, a rerun completes the mirror and both fscks pass`, async () => {
      let holding = true;
      let reached!: () => void;
      const held = new Promise<void>((resolve) => (reached = resolve));
      let filez = 0;
      const server = await startRepoHttpServer(src, ({ path }) => {
        if (!holding) return false;
        const hit = where === 'objects' ? path.endsWith('.filez') && ++filez === 400 : /^\/deltas\/.+\/0$/.test(path);
        if (!hit) return false;
        reached();
        return true; // never answered: the mirror waits here until it is killed
      });
      try {
        const dir = join(tmp.make(`killed-${where}`), 'm');
        const child = startOsgit(['mirror', server.url, dir, '--json']);
        await Promise.race([held, child.done.then((r) => { throw new Error(`mirror ended before the kill point: ${r.stderr}`); })]);
        child.killGroup('SIGKILL');
        expect((await child.done).signal).toBe('SIGKILL');
        // the summary is written last: a mirror killed earlier serves no summary naming what it lacks
        expect(existsSync(join(dir, 'summary'))).toBe(false);
        holding = false;
        const before = server.requests.length;
        const r = await mirror([server.url, dir]);
        if (where === 'objects') {
          // The objects the killed run had staged were adopted (same boot): not fetched again.
          const rerunFilez = server.requests.slice(before).filter((q) => q.path.endsWith('.filez')).length;
          expect(rerunFilez).toBeLessThan(1200 - 200);
        }
        expect(r.created).toBe(false);
        expect(differences(src, dir)).toEqual([]);
        await osgitOk(['fsck', '--repo', dir]);
        await ostreeOk(['fsck', `--repo=${dir}`]);
      } finally {
        await server.stop();
      }
    }, 180_000);
  }
});

