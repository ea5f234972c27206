/**
 * Framing offsets: little-endian unsigned integers at the end of variable-size containers, all of one
 * width per container. See reference/ostree-formats.md §3 ("Framing-offset width W").
 */

export type OffsetWidth = 1 | 2 | 4 | 8;

/** The width a writer must use for `count` offsets after a body of `bodySize` bytes (the smallest that fits). */
export function offsetWidthFor(bodySize: number, count: number): OffsetWidth {
  if (bodySize + count <= 0xff) return 1;
  if (bodySize + 2 * count <= 0xffff) return 2;
  if (bodySize + 4 * count <= 0xffffffff) return 4;
  return 8;
}

/** The width a reader infers from a container's total size (GLib's gvs_get_offset_size). */
export function offsetWidthOf(totalSize: number): OffsetWidth {
  if (totalSize <= 0xff) return 1;
  if (totalSize <= 0xffff) return 2;
  if (totalSize <= 0xffffffff) return 4;
  return 8;
}

/** Reads a little-endian unsigned offset; values past 2^53 come out imprecise but still out of range. */
export function readOffset(bytes: Uint8Array, at: number, width: OffsetWidth): number {
  switch (width) {
    case 1:
      return bytes[at]!;
    case 2:
      return bytes[at]! | (bytes[at + 1]! << 8);
    case 4:
      return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 0x1000000;
    case 8:
      return readOffset(bytes, at, 4) + readOffset(bytes, at + 4, 4) * 0x100000000;
  }
}

/** Writes a little-endian unsigned offset (which must fit in `width` bytes). */
export function writeOffset(bytes: Uint8Array, at: number, width: OffsetWidth, value: number): void {
  let v = value;
  for (let i = 0; i < width; i++) {
    bytes[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
}
