/** A growable output buffer: amortised O(1) appends, one copy at the end. */
export class ByteWriter {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(initialCapacity = 256) {
    this.bytes = new Uint8Array(initialCapacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.reserve(1);
    this.bytes[this.pos++] = b;
  }

  /** Appends zero bytes until `pos` is a multiple of `align` (fresh buffers are zero-filled). */
  padTo(align: number): void {
    const r = this.pos % align;
    if (r === 0) return;
    this.reserve(align - r);
    this.bytes.fill(0, this.pos, this.pos + align - r);
    this.pos += align - r;
  }

  append(src: Uint8Array): void {
    this.reserve(src.length);
    this.bytes.set(src, this.pos);
    this.pos += src.length;
  }

  /** The bytes written so far, as a copy that owns its buffer. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}
