// Transaction.writeReceivedObject is the gate every object from a remote or a push goes through:
// each hostile object here is refused with its code and leaves nothing staged or stored. Objects
// are crafted with the store's encoders (or mangled afterwards) and named by their real SHA-256,
// as a hostile server would send them.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Repo, Transaction, encodeArchiveHeader, encodeCommit, encodeDirMeta, encodeDirTree, encodeFileHeader, framedHeader,
  gvariant, openFileObject, sha256Hex, verifyMetadataObject,
  type Checksum, type FileInfo, type ObjectType, type RepoMode, type StoreErrorCode,
} from '@osgit/store';
import { prngBytes } from './helpers/prng.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('received');
afterAll(() => tmp.cleanup());

const REG: Omit<FileInfo, 'size'> = { uid: 0, gid: 0, mode: 0o100644, symlinkTarget: '', xattrs: [] };

/** A `.filez` as ostree writes it, and its checksum. */
function filez(content: Uint8Array, info: Partial<FileInfo> = {}): { checksum: Checksum; bytes: Buffer } {
  const full: FileInfo = { ...REG, ...info, size: info.symlinkTarget ? 0 : content.length };
  const checksum = sha256Hex(framedHeader(encodeFileHeader(full)), full.symlinkTarget ? new Uint8Array() : content);
  const body = full.symlinkTarget ? Buffer.alloc(0) : deflateRawSync(content);
  return { checksum, bytes: Buffer.concat([framedHeader(encodeArchiveHeader(full)), body]) };
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => e.name);
}

/** Offers one object to a fresh repository of `mode` and expects `code` with nothing staged or stored. */
async function expectRefused(mode: RepoMode, checksum: Checksum, type: ObjectType, data: Uint8Array | { path: string }, code: StoreErrorCode): Promise<void> {
  const repo = await Repo.init(join(tmp.make(mode), 'repo'), { mode });
  const tx = await Transaction.begin(repo);
  const err = await tx.writeReceivedObject(checksum, type, data).then(() => null, (e: unknown) => e);
  expect(err).toMatchObject({ code, data: { checksum, type } });
  expect(String((err as Error).message)).not.toContain('\n');
  expect(files(tx.dir)).toEqual([]);
  expect(tx.stats.objectsWritten).toBe(0);
  await tx.commit();
  expect(files(join(repo.path, 'objects'))).toEqual([]);
}

async function accepts(mode: RepoMode, checksum: Checksum, type: ObjectType, data: Uint8Array | { path: string }): Promise<Repo> {
  const repo = await Repo.init(join(tmp.make(mode), 'repo'), { mode });
  const tx = await Transaction.begin(repo);
  expect(await tx.writeReceivedObject(checksum, type, data)).toBeGreaterThan(0);
  expect(await tx.writeReceivedObject(checksum, type, data)).toBe(0);
  await tx.commit();
  return repo;
}

const MODES = ['archive', 'bare-user'] as const;
const SMALL = Buffer.from('hello received world\n'.repeat(50));
// Big enough to go through the object workers: pseudo-random (incompressible), and sparse-like zeros.
const BIG = prngBytes(0x5eed, 3 * 1024 * 1024 + 7);
const ZEROS = Buffer.alloc(9 * 1024 * 1024);

describe('Transaction.writeReceivedObject', () => {
  for (const mode of MODES) {
    describe(`into a ${mode} repository`, () => {
      for (const [name, content] of [['a small file', SMALL], ['a large file', BIG], ['a large compressible file', ZEROS]] as const) {
        it(`stores ${name} whose content reads back`, async () => {
          const f = filez(content, { mode: 0o100755 });
          const repo = await accepts(mode, f.checksum, 'file', f.bytes);
          const obj = await openFileObject(repo, f.checksum);
          expect(obj.info.mode).toBe(0o100755);
          expect((await obj.readContent()).equals(content)).toBe(true);
        });

        it(`refuses ${name} with one byte of its body changed`, async () => {
          const f = filez(content);
          const bad = Buffer.from(f.bytes);
          bad[bad.length - 3]! ^= 0x40;
          await expectRefused(mode, f.checksum, 'file', bad, 'OBJECT_CORRUPT');
        });

        it(`refuses ${name} with its deflate body cut short`, async () => {
          const f = filez(content);
          await expectRefused(mode, f.checksum, 'file', f.bytes.subarray(0, f.bytes.length - 40), 'OBJECT_CORRUPT');
        });

        it(`refuses ${name} from a temporary file when it is not the object named`, async () => {
          const f = filez(content);
          const other = filez(Buffer.concat([content, Buffer.from('x')]));
          const path = join(tmp.make('chunks'), 'object.filez');
          writeFileSync(path, other.bytes);
          await expectRefused(mode, f.checksum, 'file', { path }, 'OBJECT_CORRUPT');
          writeFileSync(path, f.bytes);
          await accepts(mode, f.checksum, 'file', { path });
        });
      }

      it('refuses a file sent under another checksum', async () => {
        const f = filez(SMALL);
        await expectRefused(mode, sha256Hex(Buffer.from('another')), 'file', f.bytes, 'OBJECT_CORRUPT');
      });

      it('refuses a header that claims more or fewer bytes than the body holds', async () => {
        for (const size of [SMALL.length + 1, SMALL.length - 1, 2 ** 40]) {
          const info: FileInfo = { ...REG, size };
          const bytes = Buffer.concat([framedHeader(encodeArchiveHeader(info)), deflateRawSync(SMALL)]);
          const checksum = sha256Hex(framedHeader(encodeFileHeader(info)), SMALL);
          await expectRefused(mode, checksum, 'file', bytes, 'OBJECT_CORRUPT');
        }
      });

      it('refuses a header longer than 1 MiB or framed wrongly, from memory and from a file', async () => {
        const f = filez(SMALL);
        const huge = Buffer.from(f.bytes);
        huge.writeUInt32BE(2 * 1024 * 1024, 0);
        const padded = Buffer.concat([huge, Buffer.alloc(2 * 1024 * 1024)]);
        const nonZero = Buffer.from(f.bytes);
        nonZero[5] = 1;
        for (const bytes of [padded, nonZero, f.bytes.subarray(0, 6), Buffer.alloc(0)]) {
          await expectRefused(mode, f.checksum, 'file', bytes, 'OBJECT_CORRUPT');
          const path = join(tmp.make('hdr'), 'object.filez');
          writeFileSync(path, bytes);
          await expectRefused(mode, f.checksum, 'file', { path }, 'OBJECT_CORRUPT');
        }
      });

      it('refuses a deflate bomb behind a header announcing a small size', async () => {
        const info: FileInfo = { ...REG, size: 100 };
        const bytes = Buffer.concat([framedHeader(encodeArchiveHeader(info)), deflateRawSync(ZEROS)]);
        await expectRefused(mode, sha256Hex(framedHeader(encodeFileHeader(info)), ZEROS.subarray(0, 100)), 'file', bytes, 'OBJECT_CORRUPT');
      });

      it('stores a symlink and refuses one that carries a body', async () => {
        const f = filez(new Uint8Array(), { mode: 0o120777, symlinkTarget: '../target' });
        const repo = await accepts(mode, f.checksum, 'file', f.bytes);
        expect((await openFileObject(repo, f.checksum)).info.symlinkTarget).toBe('../target');
        await expectRefused(mode, f.checksum, 'file', Buffer.concat([f.bytes, deflateRawSync(Buffer.from('x'))]), 'OBJECT_CORRUPT');
      });

      it('refuses a symlink target that is not UTF-8', async () => {
        const f = filez(new Uint8Array(), { mode: 0o120777, symlinkTarget: 'abc' });
        const bad = Buffer.from(f.bytes);
        bad[bad.indexOf('abc')]! = 0xff;
        await expectRefused(mode, f.checksum, 'file', bad, 'OBJECT_CORRUPT');
      });
    });
  }

  it('stores an object offered twice at once once, and a good copy even when the other one is bad', async () => {
    for (const content of [SMALL, BIG]) {
      const f = filez(content);
      const bad = Buffer.from(f.bytes);
      bad[bad.length - 3]! ^= 0x40;
      const repo = await Repo.init(join(tmp.make('twice'), 'repo'), { mode: 'bare-user' });
      const tx = await Transaction.begin(repo);
      const [first, second] = await Promise.allSettled([tx.writeReceivedObject(f.checksum, 'file', bad), tx.writeReceivedObject(f.checksum, 'file', f.bytes)]);
      expect(first).toMatchObject({ status: 'rejected', reason: { code: 'OBJECT_CORRUPT' } });
      expect(second).toMatchObject({ status: 'fulfilled', value: content.length });
      const both = await Promise.all([tx.writeReceivedObject(f.checksum, 'file', f.bytes), tx.writeReceivedObject(f.checksum, 'file', f.bytes)]);
      expect(both).toEqual([0, 0]);
      await tx.commit();
      expect((await (await openFileObject(repo, f.checksum)).readContent()).equals(content)).toBe(true);
    }
    const g = filez(BIG, { mode: 0o100600 });
    const repo = await Repo.init(join(tmp.make('twice'), 'repo'), { mode: 'archive' });
    const tx = await Transaction.begin(repo);
    const sizes = await Promise.all([tx.writeReceivedObject(g.checksum, 'file', g.bytes), tx.writeReceivedObject(g.checksum, 'file', g.bytes)]);
    expect(sizes.sort()).toEqual([0, g.bytes.length]);
    await tx.abort();
  });

  it('refuses into a bare-user-only repository what it cannot hold: setuid, world-writable, foreign owners, xattrs', async () => {
    for (const info of [{ mode: 0o104755 }, { mode: 0o100666 }, { uid: 1000 }, { xattrs: [['user.a', Buffer.from('b')]] as FileInfo['xattrs'] }]) {
      for (const content of [SMALL, BIG]) {
        const f = filez(content, info);
        await expectRefused('bare-user-only', f.checksum, 'file', f.bytes, 'COMMIT_INPUT');
      }
    }
    const ok = filez(SMALL, { mode: 0o100775 });
    await accepts('bare-user-only', ok.checksum, 'file', ok.bytes);
  });

  it('stores metadata objects verbatim and refuses a changed byte', async () => {
    const meta = encodeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] });
    const sum = sha256Hex(meta);
    const repo = await accepts('bare-user', sum, 'dirmeta', meta);
    expect(await repo.readMetadataBytes(sum, 'dirmeta')).toEqual(meta);
    const bad = Buffer.from(meta);
    bad[0]! ^= 1;
    await expectRefused('bare-user', sum, 'dirmeta', bad, 'OBJECT_CORRUPT');
  });

  it("refuses a dirtree naming '..', '/' inside a name, duplicates or unsorted entries", async () => {
    const file = sha256Hex(Buffer.from('f'));
    for (const names of [['..'], ['a/b'], ['a', 'a'], ['b', 'a'], ['.'], ['']]) {
      const tree = encodeDirTree({ files: names.map((name) => ({ name, checksum: file })), dirs: [] });
      await expectRefused('archive', sha256Hex(tree), 'dirtree', tree, 'UNSAFE_TREE');
    }
  });

  it('refuses metadata that is not normal-form GVariant even under its own checksum', async () => {
    // A dirmeta with a trailing byte: the right SHA-256 for these bytes, but not what ostree writes.
    const meta = Buffer.concat([encodeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] }), Buffer.from([0])]);
    await expectRefused('archive', sha256Hex(meta), 'dirmeta', meta, 'GVARIANT_NOT_NORMAL');
    const commitmeta = Buffer.from([1, 2, 3]);
    await expectRefused('archive', sha256Hex(Buffer.from('c')), 'commitmeta', commitmeta, 'GVARIANT_NOT_NORMAL');
  });

  it('checks commits and keys commitmeta by its commit', () => {
    const commit = encodeCommit({
      metadata: [], parent: null, subject: 's', body: '', timestamp: 0n, rootTree: 'aa'.repeat(32), rootMeta: 'bb'.repeat(32),
    });
    expect(() => verifyMetadataObject(sha256Hex(commit), 'commit', commit)).not.toThrow();
    expect(() => verifyMetadataObject('00'.repeat(32), 'commit', commit)).toThrow(expect.objectContaining({ code: 'OBJECT_CORRUPT' }));
    const meta = gvariant.serialize('a{sv}', [['k', { type: 's', value: 'v' }]]);
    expect(() => verifyMetadataObject(sha256Hex(commit), 'commitmeta', meta)).not.toThrow();
  });
});
