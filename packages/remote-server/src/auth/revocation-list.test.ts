import { promises as fs } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRevokedIds, RevocationList } from './revocation-list.js';
import { isServerError } from '../errors.js';

const dir = mkdtempSync(join(tmpdir(), 'osgit-revocation-'));
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('the revocation list', () => {
  it('reads one id per line, ignoring comments, blanks and anything after the id', () => {
    expect([...parseRevokedIds('# revoked\nci-1\n\n  ci-2   leaked 2026-12-01\nci-1\n')]).toEqual(['ci-1', 'ci-2']);
  });

  it('sees ids appended, and a file replaced or removed, on its next look', async () => {
    const path = join(dir, 'revoked');
    const list = new RevocationList(path, 0);
    expect(await list.isRevoked('a')).toBe(false); // no file yet: nothing revoked
    await fs.writeFile(path, 'a\n');
    expect(await list.isRevoked('a')).toBe(true);
    await fs.appendFile(path, 'b\n');
    expect(await list.isRevoked('b')).toBe(true);
    await fs.writeFile(join(dir, 'next'), 'c\n');
    await fs.rename(join(dir, 'next'), path);
    expect([await list.isRevoked('a'), await list.isRevoked('c')]).toEqual([false, true]);
    await fs.rm(path);
    expect(await list.isRevoked('c')).toBe(false);
  });

  it('does not look at the file again within its interval', async () => {
    const path = join(dir, 'slow');
    await fs.writeFile(path, 'x\n');
    const list = new RevocationList(path, 60_000);
    expect(await list.isRevoked('x')).toBe(true);
    await fs.appendFile(path, 'y\n');
    expect(await list.isRevoked('y')).toBe(false);
    await list.refresh(true);
    expect(await list.isRevoked('y')).toBe(true);
  });

  it('fails closed when the file exists but was never readable (a folder here: readable even by root)', async () => {
    const path = join(dir, 'unreadable');
    await fs.mkdir(path);
    const list = new RevocationList(path, 0);
    const err = await list.isRevoked('a').then(() => null, (e: unknown) => e);
    expect(isServerError(err, 'INTERNAL')).toBe(true);
    await fs.rmdir(path);
    await fs.writeFile(path, 'a\n');
    expect(await list.isRevoked('a')).toBe(true);
  });
});
