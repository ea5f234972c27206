// syncfs(2) through the native addon: it flushes, and a failure is a typed error naming the path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { syncFilesystem } from './sync-fs.js';

const dir = mkdtempSync(join(tmpdir(), 'osgit-syncfs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('syncFilesystem', () => {
  it('flushes the filesystem holding a folder', async () => {
    await expect(syncFilesystem(dir)).resolves.toBeUndefined();
  });

  it('fails with an IO StoreError naming a path that does not exist', async () => {
    const missing = join(dir, 'nope');
    const err = await syncFilesystem(missing).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('IO');
    expect((err as StoreError).message).toContain(missing);
    expect((err as StoreError).data).toMatchObject({ path: missing, errno: 'ENOENT' });
  });
});
