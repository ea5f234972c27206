/**
 * A small deterministic pseudo-random generator (mulberry32), so that fixture contents and
 * "random" kill moments are the same on every run and checksums can be asserted exactly.
 */
export interface Prng {
  /** Next unsigned 32-bit value. */
  nextU32(): number;
  /** Next float in [0, 1). */
  next(): number;
  /** Next integer in [min, max). */
  int(min: number, max: number): number;
}

export function makePrng(seed: number): Prng {
  let state = seed >>> 0;
  const nextU32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    nextU32,
    next: () => nextU32() / 0x1_0000_0000,
    int: (min, max) => min + Math.floor((nextU32() / 0x1_0000_0000) * (max - min)),
  };
}

/** `size` deterministic pseudo-random bytes derived from `seed`. */
export function prngBytes(seed: number, size: number): Buffer {
  const prng = makePrng(seed);
  const buf = Buffer.alloc(size);
  let i = 0;
  for (; i + 4 <= size; i += 4) buf.writeUInt32LE(prng.nextU32(), i);
  for (; i < size; i++) buf[i] = prng.nextU32() & 0xff;
  return buf;
}
