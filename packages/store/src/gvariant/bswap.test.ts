import { describe, it, expect } from 'vitest';
import { bswap32, bswap64 } from './index.js';

describe('bswap32', () => {
  it('reverses the four bytes and stays unsigned', () => {
    expect(bswap32(0x41ed)).toBe(0xed410000);
    expect(bswap32(0xed410000)).toBe(0x41ed);
    expect(bswap32(0x12345678)).toBe(0x78563412);
    expect(bswap32(0xffffffff)).toBe(0xffffffff);
    expect(bswap32(0)).toBe(0);
  });
});

describe('bswap64', () => {
  it('reverses the eight bytes and stays unsigned', () => {
    expect(bswap64(1577836800n)).toBe(0x00e10b5e00000000n);
    expect(bswap64(0x00e10b5e00000000n)).toBe(1577836800n);
    expect(bswap64(0x0102030405060708n)).toBe(0x0807060504030201n);
    expect(bswap64(0xffn)).toBe(0xff00000000000000n);
  });
});
