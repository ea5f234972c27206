// A dead transaction's staging folder: begin() adopts the verified objects of one of this boot
// (a killed pull resumes), and removes everything else: torn objects, temp files, commits, and
// whole folders of another boot or of older osgit names. A live folder is never touched.
import { existsSync, readFileSync, readdirSync, renameSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { sha256Hex } from '../checksum.js';
import { encodeDirMeta } from '../objects/dirmeta.js';
import { type FileInfo, encodeFileHeader, framedHeader } from '../objects/file-header.js';
import { objectRelPath } from '../objects/object-type.js';
import type { RepoMode } from './config.js';
import { cleanTmp } from '../prune/tmp-cleanup.js';
import { openFileObjectSync } from './file-object.js';
import { Repo } from './repo.js';
import { bootId } from './staging.js';
import { Transaction } from './transaction.js';

const tmp = tempDirs('adopt-staging');
afterAll(() => tmp.cleanup());

const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replaceAll('-', '');
const OTHER_BOOT = BOOT.replace(/^./, (c) => (c === '0' ? '1' : '0'));
const stagingOf = (repo: Repo): string[] => readdirSync(join(repo.path, 'tmp')).filter((n) => n.startsWith('osgit-staging-')).sort();

function fileObject(text: string): { checksum: string; info: FileInfo; bytes: Buffer } {
  const bytes = Buffer.from(text);
  const info: FileInfo = { uid: process.getuid!(), gid: process.getgid!(), mode: 0o100644, symlinkTarget: '', xattrs: [], size: bytes.length };
  return { checksum: sha256Hex(framedHeader(encodeFileHeader(info)), bytes), info, bytes };
}

/**
 * What a transaction killed mid-way leaves: its staging folder (renamed to `name`) with a dirmeta,
 * two file objects (the second then torn), a commit-named file and a temp file, and an unlocked lock file.
 */
async function deadFolder(repo: Repo, name: string, into: Repo = repo) {
  const tx = await Transaction.begin(repo);
  const dirmetaBytes = encodeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] });
  const dirmeta = sha256Hex(dirmetaBytes);
  tx.writeMetadataSync(dirmeta, 'dirmeta', dirmetaBytes);
  const good = fileObject('a file that was staged whole\n'.repeat(50));
  const torn = fileObject('a file cut short by the kill\n'.repeat(50));
  for (const f of [good, torn]) await tx.writeFile(f.checksum, f.info, { bytes: f.bytes });
  const commit = sha256Hex(Buffer.from('not really a commit'));
  writeFileSync(tx.stagePath(commit, 'commit'), 'not really a commit');
  writeFileSync(tx.tempPath(), 'half of something');
  const dir = join(into.path, 'tmp', name);
  renameSync(tx.dir, dir);
  writeFileSync(`${dir}.lock`, '');
  await tx.abort(); // its own folder is gone already; this drops its locks
  const torn0 = join(dir, objectRelPath(torn.checksum, 'file', repo.mode).slice('objects/'.length));
  truncateSync(torn0, 20);
  return { dir, dirmeta, good: good.checksum, torn: torn.checksum, commit };
}

describe.each<RepoMode>(['archive', 'bare-user'])('Transaction.begin in a %s repo', (mode) => {
  it('names its staging folder with the boot id', async () => {
    const repo = await Repo.init(tmp.path(mode, 'name', 'repo'), { mode });
    const tx = await Transaction.begin(repo);
    expect(bootId()).toBe(BOOT);
    expect(tx.dir).toMatch(new RegExp(`/tmp/osgit-staging-${BOOT}-[0-9a-f]{16}$`));
    await tx.abort();
  });

  it('adopts the verified objects of a dead folder of this boot, and nothing else', async () => {
    const repo = await Repo.init(tmp.path(mode, 'same', 'repo'), { mode });
    const dead = await deadFolder(repo, `osgit-staging-${BOOT}-0123456789abcdef`);
    const tx = await Transaction.begin(repo);
    expect(existsSync(dead.dir)).toBe(false);
    expect(existsSync(`${dead.dir}.lock`)).toBe(false);
    expect(stagingOf(repo)).toEqual([tx.dir, `${tx.dir}.lock`].map((p) => p.slice(join(repo.path, 'tmp').length + 1)));
    expect(tx.hasSync(dead.dirmeta, 'dirmeta')).toBe(true);
    expect(tx.hasSync(dead.good, 'file')).toBe(true);
    expect(tx.hasSync(dead.torn, 'file')).toBe(false); // truncated: not the object its name says
    expect(tx.hasSync(dead.commit, 'commit')).toBe(false); // commits are never adopted
    expect(readdirSync(tx.dir).filter((n) => n.startsWith('partial-'))).toEqual([]);
    await tx.commit();
    expect(repo.hasObjectSync(dead.dirmeta, 'dirmeta')).toBe(true);
    expect(repo.hasObjectSync(dead.good, 'file')).toBe(true);
    expect(repo.hasObjectSync(dead.torn, 'file')).toBe(false);
    expect(repo.hasObjectSync(dead.commit, 'commit')).toBe(false);
    // the adopted file reads back as the object
    expect((await openFileObjectSync(repo, dead.good).readContent()).toString()).toBe('a file that was staged whole\n'.repeat(50));
    expect(stagingOf(repo)).toEqual([]);
  });

  it('deletes a dead folder of another boot, and one with an old name, adopting nothing', async () => {
    const repo = await Repo.init(tmp.path(mode, 'other', 'repo'), { mode });
    const other = await deadFolder(await Repo.init(tmp.path(mode, 'other', 's1'), { mode }), `osgit-staging-${OTHER_BOOT}-0123456789abcdef`, repo);
    const old = await deadFolder(await Repo.init(tmp.path(mode, 'other', 's2'), { mode }), 'osgit-staging-fedcba9876543210', repo);
    for (const d of [other, old]) expect(existsSync(d.dir)).toBe(true);
    const tx = await Transaction.begin(repo);
    for (const d of [other, old]) {
      expect(existsSync(d.dir)).toBe(false);
      expect(existsSync(`${d.dir}.lock`)).toBe(false);
      expect(tx.hasSync(d.dirmeta, 'dirmeta')).toBe(false);
      expect(tx.hasSync(d.good, 'file')).toBe(false);
    }
    await tx.abort();
  });

  it('leaves a live transaction of this boot alone', async () => {
    const repo = await Repo.init(tmp.path(mode, 'live', 'repo'), { mode });
    const live = await Transaction.begin(repo);
    const f = fileObject('staged by a live transaction\n');
    await live.writeFile(f.checksum, f.info, { bytes: f.bytes });
    const next = await Transaction.begin(repo);
    expect(next.hasSync(f.checksum, 'file')).toBe(false);
    expect(live.hasSync(f.checksum, 'file')).toBe(true);
    await next.abort();
    await live.commit();
    expect(repo.hasObjectSync(f.checksum, 'file')).toBe(true);
  });

  it('prune leaves a dead folder of this boot younger than tmp-expiry for adoption, and removes the others', async () => {
    const repo = await Repo.init(tmp.path(mode, 'prune', 'repo'), { mode });
    // Made in scratch repositories: a transaction begun here would adopt the folders made before.
    const scratch = async (n: string) => Repo.init(tmp.path(mode, 'prune', n), { mode });
    const fresh = await deadFolder(await scratch('s1'), `osgit-staging-${BOOT}-00000000000000aa`, repo);
    const expired = await deadFolder(await scratch('s2'), `osgit-staging-${BOOT}-00000000000000bb`, repo);
    const twoDaysAgo = Date.now() / 1000 - 2 * 86400;
    utimesSync(expired.dir, twoDaysAgo, twoDaysAgo);
    const other = await deadFolder(await scratch('s3'), `osgit-staging-${OTHER_BOOT}-00000000000000cc`, repo);
    await cleanTmp(repo, { dryRun: false });
    expect(existsSync(fresh.dir)).toBe(true);
    expect(existsSync(`${fresh.dir}.lock`)).toBe(true);
    for (const d of [expired, other]) expect(existsSync(d.dir)).toBe(false);
    const tx = await Transaction.begin(repo);
    expect(tx.hasSync(fresh.good, 'file')).toBe(true);
    expect(existsSync(fresh.dir)).toBe(false);
    await tx.abort();
  });
});
