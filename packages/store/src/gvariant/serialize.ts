/**
 * GVariant writer: emits the normal form GLib emits on a little-endian host
 * (see reference/ostree-formats.md §3). Pure: no I/O.
 */
import { StoreError } from '../errors.js';
import { ByteWriter } from './byte-writer.js';
import { offsetWidthFor, writeOffset } from './framing.js';
import { encodeUtf8Into, hasLoneSurrogate, isObjectPath } from './text.js';
import { type GVBasicType, type GVTupleType, type GVType, MAX_DEPTH, isSignature, parseType, toType } from './type.js';
import type { GValue, GVariantBox } from './value.js';

/** A value that does not fit its type; `path` (innermost index last) is filled in while unwinding. */
class ValueMismatch {
  readonly path: Array<number | string> = [];
  constructor(
    readonly message: string,
    readonly sig: string,
    readonly cause?: unknown,
  ) {}
}

/** Serializes `value` as `type` in normal form. Throws GVARIANT_BAD_TYPE / GVARIANT_BAD_VALUE. */
export function serialize(type: string | GVType, value: GValue): Uint8Array {
  const t = toType(type);
  const w = new ByteWriter();
  try {
    write(w, t, value, 0);
  } catch (err) {
    if (!(err instanceof ValueMismatch)) throw err;
    const where = err.path.reverse().map((p) => `[${typeof p === 'number' ? p : JSON.stringify(p)}]`).join('');
    throw new StoreError(
      'GVARIANT_BAD_VALUE',
      `cannot serialize as '${t.sig}': ${err.message} at value${where} (type '${err.sig}')`,
      { type: t.sig, path: err.path, memberType: err.sig },
      { cause: err.cause },
    );
  }
  return w.finish();
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Uint8Array) return 'a Uint8Array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

// Writes one value at the writer's position, after padding to the type's alignment. Containers start
// aligned to their own alignment, which every child alignment divides, so absolute padding is correct.
function write(w: ByteWriter, t: GVType, v: GValue, depth: number): void {
  if (depth > MAX_DEPTH) throw new ValueMismatch(`values nested deeper than ${MAX_DEPTH}`, t.sig);
  w.padTo(t.align);
  switch (t.kind) {
    case 'basic':
      return writeBasic(w, t, v);
    case 'variant':
      return writeVariant(w, v, depth);
    case 'maybe': {
      if (v === null) return; // Nothing: no bytes at all
      let just = v;
      // `mmT`: null alone cannot tell Nothing from Just(Nothing), so Just(x) of a nested maybe is [x].
      if (t.elem.kind === 'maybe') {
        if (!Array.isArray(v) || v.length !== 1) {
          throw new ValueMismatch(`expected null or a 1-element array [x] for Just(x), got ${describe(v)}`, t.sig);
        }
        just = v[0]!;
      }
      writeChild(w, t.elem, just, depth, 0);
      if (t.elem.fixedSize === 0) w.byte(0);
      return;
    }
    case 'array':
      return writeArray(w, t.elem, v, depth, t.sig);
    case 'tuple':
    case 'dictEntry':
      return writeTuple(w, t, v, depth);
  }
}

function writeChild(w: ByteWriter, t: GVType, v: GValue, depth: number, index: number | string): void {
  try {
    write(w, t, v, depth + 1);
  } catch (err) {
    if (err instanceof ValueMismatch) err.path.push(index);
    throw err;
  }
}

function writeArray(w: ByteWriter, elem: GVType, v: GValue, depth: number, sig: string): void {
  if (elem.kind === 'basic' && elem.code === 'y') {
    if (!(v instanceof Uint8Array)) throw new ValueMismatch(`expected a Uint8Array, got ${describe(v)}`, sig);
    w.append(v);
    return;
  }
  if (!Array.isArray(v)) throw new ValueMismatch(`expected an array, got ${describe(v)}`, sig);
  if (elem.fixedSize !== 0) {
    // Array of fixed-size elements: plain concatenation.
    for (let i = 0; i < v.length; i++) writeChild(w, elem, v[i]!, depth, i);
    return;
  }
  // Array of variable-size elements: elements, then each element's end offset in element order.
  const start = w.pos;
  const ends = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) {
    writeChild(w, elem, v[i]!, depth, i);
    ends[i] = w.pos - start;
  }
  writeOffsets(w, start, ends);
}

function writeTuple(w: ByteWriter, t: GVTupleType, v: GValue, depth: number): void {
  const n = t.members.length;
  if (!Array.isArray(v) || v.length !== n) {
    throw new ValueMismatch(`expected an array of ${n} member${n === 1 ? '' : 's'}, got ${describe(v)}`, t.sig);
  }
  const start = w.pos;
  // End offsets of the variable-size members except the last, stored in reverse member order.
  const ends: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = t.members[i]!;
    writeChild(w, m, v[i]!, depth, i);
    if (m.fixedSize === 0 && i !== n - 1) ends.push(w.pos - start);
  }
  if (t.fixedSize !== 0) {
    // Fixed-size tuple: padded to its alignment; `()` is a single zero byte.
    const pad = t.fixedSize - (w.pos - start);
    w.reserve(pad);
    w.bytes.fill(0, w.pos, w.pos + pad);
    w.pos += pad;
    return;
  }
  ends.reverse();
  writeOffsets(w, start, ends);
}

function writeOffsets(w: ByteWriter, start: number, ends: number[]): void {
  if (ends.length === 0) return;
  const width = offsetWidthFor(w.pos - start, ends.length);
  w.reserve(width * ends.length);
  for (const end of ends) {
    writeOffset(w.bytes, w.pos, width, end);
    w.pos += width;
  }
}

function writeVariant(w: ByteWriter, v: GValue, depth: number): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    throw new ValueMismatch(`expected a variant box { type, value }, got ${describe(v)}`, 'v');
  }
  const box = v as GVariantBox;
  let child: GVType;
  try {
    child = parseType(box.type);
  } catch (err) {
    throw new ValueMismatch(`the variant's type ${JSON.stringify(box.type)} is not a valid GVariant type`, 'v', err);
  }
  writeChild(w, child, box.value, depth, 'value');
  // Child bytes, a zero byte, then the child's type string in ASCII.
  w.reserve(1 + child.sig.length);
  w.bytes[w.pos++] = 0;
  for (let i = 0; i < child.sig.length; i++) w.bytes[w.pos++] = child.sig.charCodeAt(i);
}

const INT_RANGE: Partial<Record<GVBasicType['code'], [number, number]>> = {
  y: [0, 0xff],
  n: [-0x8000, 0x7fff],
  q: [0, 0xffff],
  i: [-0x80000000, 0x7fffffff],
  h: [-0x80000000, 0x7fffffff],
  u: [0, 0xffffffff],
};

function writeBasic(w: ByteWriter, t: GVBasicType, v: GValue): void {
  const code = t.code;
  switch (code) {
    case 'b':
      if (typeof v !== 'boolean') throw new ValueMismatch(`expected a boolean, got ${describe(v)}`, code);
      w.byte(v ? 1 : 0);
      return;
    case 'y':
    case 'n':
    case 'q':
    case 'i':
    case 'h':
    case 'u': {
      const [min, max] = INT_RANGE[code]!;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        throw new ValueMismatch(`expected an integer in ${min}..${max}, got ${describe(v)}`, code);
      }
      w.reserve(t.fixedSize);
      if (code === 'y') w.bytes[w.pos] = v;
      else if (code === 'n') w.view.setInt16(w.pos, v, true);
      else if (code === 'q') w.view.setUint16(w.pos, v, true);
      else if (code === 'u') w.view.setUint32(w.pos, v, true);
      else w.view.setInt32(w.pos, v, true);
      w.pos += t.fixedSize;
      return;
    }
    case 'x':
    case 't': {
      const ok = typeof v === 'bigint' && (code === 'x' ? BigInt.asIntN(64, v) === v : BigInt.asUintN(64, v) === v);
      if (!ok) throw new ValueMismatch(`expected a bigint in ${code === 'x' ? 'int64' : 'uint64'} range, got ${describe(v)}`, code);
      w.reserve(8);
      if (code === 'x') w.view.setBigInt64(w.pos, v, true);
      else w.view.setBigUint64(w.pos, v, true);
      w.pos += 8;
      return;
    }
    case 'd':
      if (typeof v !== 'number') throw new ValueMismatch(`expected a number, got ${describe(v)}`, code);
      w.reserve(8);
      w.view.setFloat64(w.pos, v, true);
      w.pos += 8;
      return;
    case 's':
    case 'o':
    case 'g':
      return writeString(w, code, v);
  }
}

function writeString(w: ByteWriter, code: 's' | 'o' | 'g', v: GValue): void {
  if (typeof v !== 'string') throw new ValueMismatch(`expected a string, got ${describe(v)}`, code);
  if (v.includes('\0')) throw new ValueMismatch(`string has an embedded NUL (U+0000)`, code);
  if (hasLoneSurrogate(v)) throw new ValueMismatch(`string has an unpaired UTF-16 surrogate`, code);
  if (code === 'o' && !isObjectPath(v)) throw new ValueMismatch(`${describe(v)} is not a valid object path`, code);
  if (code === 'g' && !isSignature(v)) throw new ValueMismatch(`${describe(v)} is not a valid signature`, code);
  w.reserve(v.length * 3 + 1);
  w.pos += encodeUtf8Into(v, w.bytes, w.pos);
  w.bytes[w.pos++] = 0;
}
