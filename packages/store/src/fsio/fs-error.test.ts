import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { fsError } from './fs-error.js';
import { readXattrs } from './xattr-io.js';
import { tempDirs } from '../../../../test/helpers/tmp.js';

const tmp = tempDirs('fs-error');
afterAll(() => tmp.cleanup());

/** The error a real system call throws. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('fsError', () => {
  it('names a real ELOOP as IO with the path, the errno in data and the original as cause', () => {
    const loop = join(tmp.make('loop'), 'loop');
    symlinkSync('loop', loop);
    const original = thrownBy(() => readFileSync(loop));
    const err = fsError(original, { action: 'cannot read' }) as StoreError;
    expect(err).toBeInstanceOf(StoreError);
    expect(err.code).toBe('IO');
    expect(err.message).toBe(`cannot read ${loop}: too many levels of symbolic links`);
    expect(err.data).toEqual({ path: loop, errno: 'ELOOP', syscall: 'open' });
    expect(err.cause).toBe(original);
  });

  it('uses the code the caller gives, and says which path the system call named when it differs', () => {
    const dir = tmp.make('notdir');
    writeFileSync(join(dir, 'file'), 'x');
    const original = thrownBy(() => mkdirSync(join(dir, 'file', 'sub')));
    const err = fsError(original, { action: 'cannot check out into', path: dir, code: 'CHECKOUT_FAILED' }) as StoreError;
    expect(err.code).toBe('CHECKOUT_FAILED');
    expect(err.message).toBe(`cannot check out into ${dir}: a path component is not a directory (mkdir ${join(dir, 'file', 'sub')})`);
  });

  it('names a failure of the xattr module like any other (it reports "os error N", not an errno)', () => {
    const missing = join(tmp.make('xattr'), 'missing');
    const err = fsError(thrownBy(() => readXattrs(missing)), { action: 'cannot read extended attributes of', code: 'COMMIT_INPUT' }) as StoreError;
    expect(err).toBeInstanceOf(StoreError);
    expect(err.code).toBe('COMMIT_INPUT');
    expect(err.message).toBe(`cannot read extended attributes of ${missing}: no such file or directory`);
    expect(err.data).toEqual({ path: missing, errno: 'ENOENT', syscall: 'llistxattr' });
  });

  it('passes a StoreError and an error without an errno through unchanged', () => {
    const typed = new StoreError('REPO_LOCKED', 'locked');
    expect(fsError(typed, { action: 'x' })).toBe(typed);
    const plain = new TypeError('boom');
    expect(fsError(plain, { action: 'x' })).toBe(plain);
  });
});
