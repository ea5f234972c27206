import { describe, expect, it } from 'vitest';
import { formatSize } from './format-size.js';

describe('formatSize', () => {
  // What GLib's g_format_size prints (ostree prune's "B freed"): SI units, one decimal, U+00A0.
  it('prints sizes as ostree prune does', () => {
    expect(formatSize(0)).toBe('0 bytes');
    expect(formatSize(1)).toBe('1 byte');
    expect(formatSize(229)).toBe('229 bytes');
    expect(formatSize(999)).toBe('999 bytes');
    expect(formatSize(1000)).toBe('1.0\u00a0kB');
    expect(formatSize(1234)).toBe('1.2\u00a0kB');
    expect(formatSize(58_200_000)).toBe('58.2\u00a0MB');
    expect(formatSize(3_000_000_000)).toBe('3.0\u00a0GB');
  });
});
