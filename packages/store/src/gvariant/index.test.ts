import { describe, it, expect } from 'vitest';
import * as gvariant from './index.js';

describe('gvariant public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(gvariant).sort()).toEqual([
      'MAX_DEPTH', 'bswap32', 'bswap64', 'deserialize', 'isFixedSize', 'isObjectPath', 'isSignature', 'parseType', 'serialize',
    ]);
  });
});
