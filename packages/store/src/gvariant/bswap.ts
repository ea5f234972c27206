/**
 * Byte swaps for the integers ostree stores big-endian (uid, gid, mode, timestamps, sizes; see
 * reference/ostree-formats.md §2): the codec writes host order (little-endian), so callers swap first.
 */

/** Reverses the 4 bytes of a uint32; the result is unsigned. */
export function bswap32(n: number): number {
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | ((n >>> 24) & 0xff)) >>> 0;
}

const scratch = new DataView(new ArrayBuffer(8));

/** Reverses the 8 bytes of a uint64 (taken modulo 2^64); the result is unsigned. */
export function bswap64(n: bigint): bigint {
  scratch.setBigUint64(0, BigInt.asUintN(64, n), false);
  return scratch.getBigUint64(0, true);
}
