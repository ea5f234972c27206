// `osgit fsck --repair`: a repository pulled from a remote (nginx serving a repository the real
// ostree wrote, and `osgit serve`), damaged on disk, repaired from the remote or a mirror of it;
// `ostree fsck` is the oracle for the result, ostree's checkout of the undamaged repository for the tree.
import { chmodSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectTreesEqual, snapshotTree, type SnapshotOptions, type TreeEntry } from './helpers/compare.js';
import { haveNginx, startNginx, type Nginx } from './helpers/nginx.js';
import { OSTREE, objectPath, ostree, ostreeCheckout, ostreeInit, ostreeLs, ostreeOk, type RepoMode } from './helpers/ostree.js';
import { makeClientRepo, makeRemoteRepo, type RemoteRepo } from './helpers/pull-fixture.js';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { isRoot, osgit, osgitOk, type RunResult } from './helpers/tools.js';

const tmp = tempDirs('fsck-repair');
const NGINX = haveNginx();
const USER_MODE: SnapshotOptions = { ignoreXattrs: ['security.selinux', 'user.ostreemeta'] };
const MODES: RepoMode[] = isRoot ? ['archive', 'bare-user', 'bare'] : ['archive', 'bare-user'];

interface Damage {
  /** /hello.txt's content object, whose bytes were flipped */
  corrupt: string;
  /** /added-dir's dirtree, deleted */
  dirtree: string;
  /** /added-dir/new.txt's content object, deleted too: only the refetched dirtree names it */
  below: string;
}

interface RepairJson {
  ok: boolean;
  problemsFound: number;
  quarantined: Array<{ checksum: string; type: string; path: string }>;
  repaired: Array<{ checksum: string; type: string; was: string; remote: string }>;
  unrepaired: Array<{ checksum: string; type: string; was: string; remote: string | null; code: string; message: string }>;
  refsAffected: string[];
  commitsRepaired: string[];
  commitsPartial: string[];
  fsck: { ok: boolean };
}

function output(r: RunResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

/** Flips a byte inside an object file (writable first: bare objects are read-only). */
function flipByte(path: string): void {
  chmodSync(path, 0o644);
  const bytes = readFileSync(path);
  const at = bytes.length - 3;
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0x5a, at);
  writeFileSync(path, bytes);
}

/** One corrupt content object and one missing dirtree (with a file below it) in test/main's second commit. */
async function damage(repo: string, mode: RepoMode, rev: string): Promise<Damage> {
  const entries = await ostreeLs(repo, rev);
  const find = (p: string) => entries.find((e) => e.path === p)!;
  const d: Damage = { corrupt: find('/hello.txt').checksum, dirtree: find('/added-dir').checksum, below: find('/added-dir/new.txt').checksum };
  flipByte(objectPath(repo, d.corrupt, 'file', mode));
  rmSync(objectPath(repo, d.dirtree, 'dirtree', mode));
  rmSync(objectPath(repo, d.below, 'file', mode));
  return d;
}

async function repairJson(repo: string, extra: readonly string[] = []): Promise<{ r: RunResult; json: RepairJson }> {
  const r = await osgit(['fsck', '--repo', repo, '--repair', ...extra, '--json']);
  return { r, json: JSON.parse(r.stdout) as RepairJson };
}

async function bothFscksPass(repo: string): Promise<void> {
  const [theirs, ours] = await Promise.all([ostree(['fsck', `--repo=${repo}`]), osgit(['fsck', '--repo', repo])]);
  expect(theirs.code, `ostree fsck:\n${output(theirs)}`).toBe(0);
  expect(ours.code, `osgit fsck:\n${output(ours)}`).toBe(0);
}

/** The tree as `ostree checkout` and `osgit checkout` give it (user mode for bare-user, as ostree needs there). */
async function checkouts(repo: string, mode: RepoMode, rev: string): Promise<{ theirs: TreeEntry[]; ours: TreeEntry[]; snap: SnapshotOptions }> {
  const flags = mode === 'bare-user' ? ['-U'] : [];
  const snap = flags.length ? USER_MODE : {};
  const theirs = tmp.path('ostree-co');
  const ours = tmp.path('osgit-co');
  await ostreeCheckout(repo, rev, theirs, flags);
  await osgitOk(['checkout', '--repo', repo, ...flags, rev, ours]);
  return { theirs: snapshotTree(theirs, snap), ours: snapshotTree(ours, snap), snap };
}

describe.skipIf(!OSTREE || !NGINX)('osgit fsck --repair', () => {
  let remote: RemoteRepo;
  let web: Nginx;
  let served: Served;
  /** the second commit's tree as ostree checks it out of the remote: what every repair must give back */
  const original = new Map<string, TreeEntry[]>();

  beforeAll(async () => {
    remote = await makeRemoteRepo(tmp, { summary: true, bigFiles: false });
    [web, served] = await Promise.all([startNginx(remote.path), startServe({ repo: remote.path })]);
    for (const user of [true, false]) {
      const dir = tmp.path('original');
      await ostreeCheckout(remote.path, remote.second, dir, user ? ['-U'] : []);
      original.set(user ? 'user' : 'full', snapshotTree(dir, user ? USER_MODE : {}));
    }
  });
  afterAll(async () => {
    await Promise.all([web?.stop(), served?.stop()]);
    await tmp.cleanup();
  });

  for (const server of ['nginx', 'osgit serve'] as const) {
    for (const mode of MODES) {
      it(`repairs a corrupt and a missing object of a ${mode} repository pulled from ${server}; both fscks pass and the checkout is the original tree`, async () => {
        const url = server === 'nginx' ? web.url : served.url;
        const client = await makeClientRepo(tmp, mode, url);
        await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
        const d = await damage(client, mode, 'origin:test/main');
        const before = await osgit(['fsck', '--repo', client, '--json']);
        expect(before.code).toBe(4);
        const found = JSON.parse(before.stdout) as { problems: Array<{ checksum: string; state: string }> };
        expect(found.problems.map((p) => [p.checksum, p.state]).sort()).toEqual([[d.corrupt, 'corrupt'], [d.dirtree, 'missing']].sort());

        const { r, json } = await repairJson(client, ['--remote', 'origin']);
        expect(r.code, output(r)).toBe(0);
        expect(json.ok).toBe(true);
        expect(json.quarantined).toEqual([{ checksum: d.corrupt, type: 'file', path: expect.stringMatching(/^tmp\/osgit-quarantine\//) }]);
        const key = (o: { checksum: string; type: string; was: string }) => `${o.type} ${o.checksum} ${o.was}`;
        expect(json.repaired.map(key).sort()).toEqual([`file ${d.corrupt} corrupt`, `dirtree ${d.dirtree} missing`, `file ${d.below} missing`].sort());
        expect(json.unrepaired).toEqual([]);
        expect(json.refsAffected).toEqual(['origin:test/main']);
        expect(json.commitsRepaired).toEqual([remote.second]);
        expect(existsSync(join(client, 'state', `${remote.second}.commitpartial`))).toBe(false);
        // The corrupt bytes are kept out of objects/, for inspection.
        expect(existsSync(join(client, json.quarantined[0]!.path))).toBe(true);
        await bothFscksPass(client);
        const { theirs, ours, snap } = await checkouts(client, mode, 'origin:test/main');
        const want = original.get(snap === USER_MODE ? 'user' : 'full')!;
        expectTreesEqual(want, theirs, { labels: ['original', 'ostree checkout after repair'] });
        expectTreesEqual(want, ours, { labels: ['original', 'osgit checkout after repair'] });
      });
    }
  }

  it('repairs a corrupt commit object, and brings back its missing detached metadata (a missing .commitmeta alone is no error)', async () => {
    // A remote whose commit has detached metadata, made by ostree.
    const origin = join(tmp.make('meta-origin'), 'repo');
    await ostreeInit(origin, 'archive');
    const tree = tmp.make('meta-tree');
    writeFileSync(join(tree, 'a.txt'), 'a\n');
    const commit = (await ostreeOk(['commit', `--repo=${origin}`, '-b', 'meta/main', '--timestamp=@1577836800', '--add-detached-metadata-string=osgit.test=kept', tree])).stdout.trim();
    const srv = await startNginx(origin);
    try {
      const client = await makeClientRepo(tmp, 'bare-user', srv.url);
      await osgitOk(['pull', '--repo', client, 'origin', 'meta/main']);
      const meta = join(client, 'objects', commit.slice(0, 2), `${commit.slice(2)}.commitmeta`);
      const want = readFileSync(meta);
      rmSync(meta);
      // Detached metadata is optional: its absence is not damage.
      expect((await osgit(['fsck', '--repo', client])).code).toBe(0);
      const clean = await repairJson(client);
      expect(clean.r.code, output(clean.r)).toBe(0);
      expect(clean.json).toMatchObject({ ok: true, problemsFound: 0, repaired: [], unrepaired: [], quarantined: [] });

      flipByte(objectPath(client, commit, 'commit', 'bare-user'));
      const { r, json } = await repairJson(client);
      expect(r.code, output(r)).toBe(0);
      expect(json.quarantined).toEqual([{ checksum: commit, type: 'commit', path: expect.any(String) }]);
      expect(json.repaired.map((o) => `${o.type} ${o.was}`).sort()).toEqual(['commit corrupt', 'commitmeta missing']);
      expect(json.refsAffected).toEqual(['origin:meta/main']);
      expect(readFileSync(meta)).toEqual(want);
      await bothFscksPass(client);
    } finally {
      await srv.stop();
    }
  });

  it('on a remote with trusted keys, stores refetched detached metadata only when its signature verifies', async () => {
    const origin = join(tmp.make('signed-origin'), 'repo');
    await ostreeInit(origin, 'archive');
    const tree = tmp.make('signed-tree');
    writeFileSync(join(tree, 'a.txt'), 'signed\n');
    const commit = (await ostreeOk(['commit', `--repo=${origin}`, '-b', 'os/stable', '--timestamp=@1577836800', tree])).stdout.trim();
    const keys = tmp.make('keys');
    await osgitOk(['keygen', '--out', join(keys, 'good')]);
    await osgitOk(['keygen', '--out', join(keys, 'other')]);
    await osgitOk(['sign', '--repo', origin, 'os/stable', '--key', join(keys, 'good.secret')]);
    // A copy whose detached metadata carries a valid signature by a key the client does not trust.
    const forged = join(tmp.make('forged'), 'repo');
    cpSync(origin, forged, { recursive: true });
    rmSync(objectPath(forged, commit, 'commit', 'archive').replace(/\.commit$/, '.commitmeta'));
    await osgitOk(['sign', '--repo', forged, 'os/stable', '--key', join(keys, 'other.secret')]);
    const [good, bad] = await Promise.all([startNginx(origin), startNginx(forged)]);
    try {
      const pub = readFileSync(join(keys, 'good.pub'), 'utf8').trim();
      const trust = ['--set', 'sign-verify=true', '--set', `verification-ed25519-key=${pub}`];
      const client = await makeClientRepo(tmp, 'bare-user', good.url, trust);
      await osgitOk(['remote', 'add', '--repo', client, '--no-gpg-verify', ...trust, 'forged', bad.url]);
      await osgitOk(['pull', '--repo', client, 'origin', 'os/stable']);
      const meta = objectPath(client, commit, 'commit', 'bare-user').replace(/\.commit$/, '.commitmeta');
      const want = readFileSync(meta);

      rmSync(meta);
      flipByte(objectPath(client, commit, 'commit', 'bare-user'));
      const refused = await repairJson(client, ['--remote', 'forged']);
      expect(refused.r.code, output(refused.r)).toBe(4);
      expect(refused.json.repaired.map((o) => `${o.type} ${o.was}`)).toEqual(['commit corrupt']);
      expect(refused.json.unrepaired).toEqual([expect.objectContaining({ checksum: commit, type: 'commitmeta', code: 'SIGNATURE_INVALID', remote: 'forged' })]);
      expect(existsSync(meta)).toBe(false);

      flipByte(objectPath(client, commit, 'commit', 'bare-user'));
      const { r, json } = await repairJson(client, ['--remote', 'origin']);
      expect(r.code, output(r)).toBe(0);
      expect(json.repaired.map((o) => `${o.type} ${o.was}`).sort()).toEqual(['commit corrupt', 'commitmeta missing']);
      expect(readFileSync(meta)).toEqual(want);
      await osgitOk(['verify', '--repo', client, 'origin:os/stable', '--key', join(keys, 'good.pub')]);
    } finally {
      await Promise.all([good.stop(), bad.stop()]);
    }
  });

  it('reports what a remote lacks (exit 4), repairs the rest, leaves the commit partial; a later repair from a complete remote finishes', async () => {
    const lacking = join(tmp.make('lacking'), 'repo');
    cpSync(remote.path, lacking, { recursive: true });
    const client = await makeClientRepo(tmp, 'bare-user', web.url);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
    const d = await damage(client, 'bare-user', 'origin:test/main');
    rmSync(objectPath(lacking, d.corrupt, 'file', 'archive'));
    const srv = await startNginx(lacking);
    try {
      await osgitOk(['remote', 'add', '--repo', client, '--no-gpg-verify', 'lacking', srv.url]);
      const { r, json } = await repairJson(client, ['--remote', 'lacking']);
      expect(r.code, output(r)).toBe(4);
      expect(json.ok).toBe(false);
      expect(json.unrepaired).toEqual([expect.objectContaining({ checksum: d.corrupt, type: 'file', was: 'corrupt', remote: 'lacking', code: 'OBJECT_MISSING' })]);
      expect(json.repaired.map((o) => o.checksum).sort()).toEqual([d.dirtree, d.below].sort());
      expect(json.commitsPartial).toEqual([remote.second]);
      // Never left in objects/; the commit is partial with ostree's fsck reason, so ostree fsck fails too.
      expect(existsSync(objectPath(client, d.corrupt, 'file', 'bare-user'))).toBe(false);
      expect(readFileSync(join(client, 'state', `${remote.second}.commitpartial`), 'utf8')).toBe('f');
      expect((await ostree(['fsck', `--repo=${client}`])).code).not.toBe(0);
      expect((await osgit(['fsck', '--repo', client])).code).toBe(4);

      const again = await repairJson(client, ['--remote', 'origin']);
      expect(again.r.code, output(again.r)).toBe(0);
      expect(again.json.repaired.map((o) => o.checksum)).toEqual([d.corrupt]);
      await bothFscksPass(client);
    } finally {
      await srv.stop();
    }
  });

  it('refuses the wrong bytes a hostile remote sends: the object stays missing, exit 4', async () => {
    const hostile = join(tmp.make('hostile'), 'repo');
    cpSync(remote.path, hostile, { recursive: true });
    const client = await makeClientRepo(tmp, 'archive', web.url);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
    const d = await damage(client, 'archive', 'origin:test/main');
    // The server answers for hello.txt with another (valid) object's bytes.
    const path = objectPath(hostile, d.corrupt, 'file', 'archive');
    chmodSync(path, 0o644);
    writeFileSync(path, readFileSync(objectPath(hostile, d.below, 'file', 'archive')));
    const srv = await startNginx(hostile);
    try {
      await osgitOk(['remote', 'add', '--repo', client, '--no-gpg-verify', 'hostile', srv.url]);
      const { r, json } = await repairJson(client, ['--remote', 'hostile']);
      expect(r.code, output(r)).toBe(4);
      expect(json.unrepaired).toEqual([expect.objectContaining({ checksum: d.corrupt, code: 'BAD_OBJECT', remote: 'hostile' })]);
      expect(existsSync(objectPath(client, d.corrupt, 'file', 'archive'))).toBe(false);
      expect(json.repaired.map((o) => o.checksum).sort()).toEqual([d.dirtree, d.below].sort());
    } finally {
      await srv.stop();
    }
  });

  it('repairs from a mirror of the origin (ostree pull --mirror, and osgit mirror), named with --remote', async () => {
    const mirror = join(tmp.make('mirror'), 'repo');
    await ostreeInit(mirror, 'archive');
    await ostreeOk(['remote', 'add', `--repo=${mirror}`, '--no-gpg-verify', 'origin', web.url]);
    await ostreeOk(['pull', `--repo=${mirror}`, '--mirror', 'origin', 'test/main']);
    const srv = await startNginx(mirror);
    try {
      const client = await makeClientRepo(tmp, 'bare-user', served.url);
      await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
      await osgitOk(['remote', 'add', '--repo', client, '--no-gpg-verify', 'mirror', srv.url]);
      const d = await damage(client, 'bare-user', 'origin:test/main');
      const { r, json } = await repairJson(client, ['--remote', 'mirror']);
      expect(r.code, output(r)).toBe(0);
      expect(json.repaired.every((o) => o.remote === 'mirror')).toBe(true);
      expect(json.repaired.map((o) => o.checksum).sort()).toEqual([d.corrupt, d.dirtree, d.below].sort());
      await bothFscksPass(client);
      const { theirs } = await checkouts(client, 'bare-user', 'origin:test/main');
      expectTreesEqual(original.get('user')!, theirs, { labels: ['original', 'after repair from the mirror'] });

      // And from osgit's own mirror of the origin, served by osgit serve.
      const ours = join(tmp.make('osgit-mirror'), 'repo');
      await osgitOk(['mirror', web.url, ours, 'test/main']);
      const serve = await startServe({ repo: ours });
      try {
        await osgitOk(['remote', 'add', '--repo', client, '--no-gpg-verify', 'osgit-mirror', serve.url]);
        const again = await damage(client, 'bare-user', 'origin:test/main');
        const second = await repairJson(client, ['--remote', 'osgit-mirror']);
        expect(second.r.code, output(second.r)).toBe(0);
        expect(second.json.repaired.map((o) => `${o.remote} ${o.checksum}`).sort()).toEqual([again.corrupt, again.dirtree, again.below].map((c) => `osgit-mirror ${c}`).sort());
        await bothFscksPass(client);
      } finally {
        await serve.stop();
      }
    } finally {
      await srv.stop();
    }
  });

  it('without any remote, quarantines and marks the commit partial as ostree fsck --delete does; a later pull completes it', async () => {
    const client = await makeClientRepo(tmp, 'bare-user', web.url);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
    const d = await damage(client, 'bare-user', 'origin:test/main');
    await osgitOk(['remote', 'delete', '--repo', client, 'origin']);
    const { r, json } = await repairJson(client);
    expect(r.code, output(r)).toBe(4);
    expect(json.quarantined.map((q) => q.checksum)).toEqual([d.corrupt]);
    expect(json.repaired).toEqual([]);
    expect(json.unrepaired.map((o) => [o.checksum, o.remote, o.code]).sort()).toEqual([[d.corrupt, null, 'OBJECT_MISSING'], [d.dirtree, null, 'OBJECT_MISSING']].sort());
    expect(existsSync(objectPath(client, d.corrupt, 'file', 'bare-user'))).toBe(false);
    expect(readFileSync(join(client, 'state', `${remote.second}.commitpartial`), 'utf8')).toBe('f');
    const theirs = await ostree(['fsck', `--repo=${client}`]);
    expect(theirs.code).not.toBe(0);
    expect(output(theirs)).toContain('partial commits from fsck-detected corruption');
    // Run again, for people: the commit is still partial, one error line, exit 4.
    const human = await osgit(['fsck', '--repo', client, '--repair']);
    expect(human.code).toBe(4);
    expect(human.stdout).toContain(`commit ${remote.second} left partial`);
    expect(human.stderr).toMatch(/^osgit: error: fsck --repair could not repair everything: [^\n]*\n$/);

    // A pull walks a partial commit's tree and fetches what it lacks.
    await osgitOk(['remote', 'add', '--repo', client, '--no-gpg-verify', 'origin', web.url]);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
    await bothFscksPass(client);
  });

  it('completes what ostree fsck --delete removed (the commit it marked partial)', async () => {
    const client = await makeClientRepo(tmp, 'bare-user', web.url);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
    const hello = (await ostreeLs(client, 'origin:test/main')).find((e) => e.path === '/hello.txt')!.checksum;
    flipByte(objectPath(client, hello, 'file', 'bare-user'));
    expect((await ostree(['fsck', `--repo=${client}`, '--delete'])).code).not.toBe(0);
    // ostree removed the corrupt object and left its fsck marker: osgit fsck sees the damage too.
    expect(existsSync(objectPath(client, hello, 'file', 'bare-user'))).toBe(false);
    const seen = await osgit(['fsck', '--repo', client, '--json']);
    expect(seen.code).toBe(4);
    expect(JSON.parse(seen.stdout)).toMatchObject({ fsckPartialCommits: [remote.second] });
    const { r, json } = await repairJson(client);
    expect(r.code, output(r)).toBe(0);
    expect(json.repaired.map((o) => [o.checksum, o.was])).toEqual([[hello, 'missing']]);
    await bothFscksPass(client);
  });

  it('asks for --remote when a damaged commit tracks no remote and there are several (INVALID_ARGUMENT, nothing changed)', async () => {
    const client = await makeClientRepo(tmp, 'archive', web.url);
    await osgitOk(['remote', 'add', '--repo', client, '--no-gpg-verify', 'second', served.url]);
    await osgitOk(['pull', '--repo', client, '--mirror', 'origin', 'test/main']);
    const d = await damage(client, 'archive', 'test/main');
    const corrupt = readFileSync(objectPath(client, d.corrupt, 'file', 'archive'));
    const r = await osgit(['fsck', '--repo', client, '--repair', '--json']);
    expect(r.code, output(r)).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(output(r)).toContain('--remote');
    expect(readFileSync(objectPath(client, d.corrupt, 'file', 'archive'))).toEqual(corrupt);
    expect(existsSync(join(client, 'state', `${remote.second}.commitpartial`))).toBe(false);

    const named = await repairJson(client, ['--remote', 'second']);
    expect(named.r.code, output(named.r)).toBe(0);
    await bothFscksPass(client);
  });

  it('refuses an unknown --remote before changing anything', async () => {
    const client = await makeClientRepo(tmp, 'archive', web.url);
    await osgitOk(['pull', '--repo', client, 'origin', 'test/main']);
    const d = await damage(client, 'archive', 'origin:test/main');
    const r = await osgit(['fsck', '--repo', client, '--repair', '--remote', 'nosuch', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'REMOTE_NOT_FOUND' } });
    expect(existsSync(objectPath(client, d.corrupt, 'file', 'archive'))).toBe(true);
    expect(existsSync(join(client, 'state', `${remote.second}.commitpartial`))).toBe(false);
  });
});
