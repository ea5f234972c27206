// The object workers run in other threads; what they fail with must arrive on this side as the
// store's own typed errors (a StoreError with its code and data), not as a plain Error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { ObjectWorkers } from './object-workers.js';

const dir = mkdtempSync(join(tmpdir(), 'osgit-object-workers-'));
const workers = new ObjectWorkers(1);
const SUM = 'ab'.repeat(32);

afterAll(async () => {
  await workers.close();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe('object workers', () => {
  it('report a damaged deflate body as OBJECT_CORRUPT naming the object', async () => {
    const source = join(dir, 'damaged.filez');
    writeFileSync(source, Buffer.from('this is not deflate data at all'));
    const err = await failure(workers.hashContent({ checksum: SUM, source, bodyOffset: 0, inflate: true, size: 10, head: new Uint8Array() }));
    expect(err.code).toBe('OBJECT_CORRUPT');
    expect(err.data).toEqual({ checksum: SUM });
  });

  it('report a body longer than its header says as OBJECT_CORRUPT', async () => {
    const source = join(dir, 'long.filez');
    writeFileSync(source, deflateRawSync(Buffer.alloc(100, 1)));
    const err = await failure(workers.hashContent({ checksum: SUM, source, bodyOffset: 0, inflate: true, size: 10, head: new Uint8Array() }));
    expect(err.code).toBe('OBJECT_CORRUPT');
  });

  it('report a missing object as OBJECT_MISSING, a file to commit that vanished as COMMIT_INPUT', async () => {
    const gone = await failure(workers.hashContent({ checksum: SUM, source: join(dir, 'nope'), bodyOffset: 0, inflate: false, size: 0, head: new Uint8Array() }));
    expect(gone.code).toBe('OBJECT_MISSING');
    const input = await failure(workers.copyHashing({ source: join(dir, 'nope'), dest: join(dir, 'copy'), head: new Uint8Array(), mode: 0o644 }));
    expect(input.code).toBe('COMMIT_INPUT');
    expect(input.data).toMatchObject({ path: join(dir, 'nope'), errno: 'ENOENT' });
  });

  it('report other system errors as IO with the errno', async () => {
    const source = join(dir, 'present');
    writeFileSync(source, 'x');
    const io = await failure(workers.copyHashing({ source, dest: join(dir, 'no-such-dir', 'copy'), head: new Uint8Array(), mode: 0o644 }));
    expect(io.code).toBe('IO');
    expect(io.data).toMatchObject({ errno: 'ENOENT' });
  });
});
