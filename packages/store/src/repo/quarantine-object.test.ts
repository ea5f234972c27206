import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Repo } from './repo.js';
import { QUARANTINE_DIR, quarantineObject } from './quarantine-object.js';
import { commitPartialReason, markCommitPartial } from './commit-partial.js';
import { Transaction } from './transaction.js';
import { sha256Hex } from '../checksum.js';
import { encodeDirTree } from '../objects/dirtree.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function repoWithDirTree(): Promise<{ repo: Repo; checksum: string; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'osgit-quarantine-'));
  dirs.push(dir);
  const repo = await Repo.init(join(dir, 'repo'), { mode: 'archive' });
  const bytes = encodeDirTree({ files: [], dirs: [] });
  const checksum = sha256Hex(bytes);
  const tx = await Transaction.begin(repo);
  tx.writeMetadataSync(checksum, 'dirtree', bytes);
  await tx.commit();
  return { repo, checksum, path: join(repo.path, 'objects', checksum.slice(0, 2), `${checksum.slice(2)}.dirtree`) };
}

describe('quarantineObject', () => {
  it('moves the object file into tmp/osgit-quarantine/, bytes unchanged', async () => {
    const { repo, checksum, path } = await repoWithDirTree();
    const bytes = readFileSync(path);
    const rel = await quarantineObject(repo, checksum, 'dirtree');
    expect(rel).toBe(join(QUARANTINE_DIR, `${checksum}.dirtree`));
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(join(repo.path, rel!))).toEqual(bytes);
    expect(await repo.hasObject(checksum, 'dirtree')).toBe(false);
  });

  it('answers null for a file that is gone already', async () => {
    const { repo, checksum } = await repoWithDirTree();
    expect(await quarantineObject(repo, checksum, 'commit')).toBeNull();
  });

  it('refuses a checksum or an extension that would make another path (INVALID_ARGUMENT, nothing moved)', async () => {
    const { repo, checksum, path } = await repoWithDirTree();
    await expect(quarantineObject(repo, '../../config', 'dirtree')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(quarantineObject(repo, checksum, '../dirtree')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(quarantineObject(repo, checksum, '')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(join(repo.path, 'tmp'))).not.toContain('osgit-quarantine');
  });
});

describe('commit partial reasons', () => {
  it('writes "f" for fsck, as ostree does, and reads both kinds back', async () => {
    const { repo, checksum } = await repoWithDirTree();
    expect(await commitPartialReason(repo, checksum)).toBeNull();
    await markCommitPartial(repo, checksum);
    expect(await commitPartialReason(repo, checksum)).toBe('pull');
    await markCommitPartial(repo, checksum, 'fsck');
    expect(readFileSync(join(repo.path, 'state', `${checksum}.commitpartial`), 'utf8')).toBe('f');
    expect(await commitPartialReason(repo, checksum)).toBe('fsck');
  });
});
