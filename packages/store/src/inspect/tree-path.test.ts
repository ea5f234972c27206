import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { splitTreePath } from './tree-path.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof StoreError ? err.code : `not a StoreError: ${String(err)}`;
  }
  return undefined;
}

describe('splitTreePath', () => {
  it('splits a path given in any of its usual spellings', () => {
    expect(splitTreePath('/usr/bin/')).toEqual(['usr', 'bin']);
    expect(splitTreePath('usr//bin')).toEqual(['usr', 'bin']);
    expect(splitTreePath('/')).toEqual([]);
  });

  // The path is the caller's argument: '..' in it is a usage error, not damaged data (UNSAFE_TREE).
  it('refuses .. and . as INVALID_ARGUMENT, naming the path', () => {
    for (const path of ['../x', '/usr/../etc', './a', '/a/.']) {
      expect(codeOf(() => splitTreePath(path)), path).toBe('INVALID_ARGUMENT');
    }
    expect(() => splitTreePath('/usr/../etc')).toThrow('"/usr/../etc"');
  });
});
