/**
 * Strict GVariant reader: accepts only normal-form bytes (exactly what serialize() would emit for the
 * value read) and never reads out of bounds. See reference/ostree-formats.md §3.
 */
import { StoreError } from '../errors.js';
import { type OffsetWidth, offsetWidthFor, offsetWidthOf, readOffset } from './framing.js';
import { decodeUtf8, isObjectPath } from './text.js';
import {
  type GVArrayType,
  type GVBasicType,
  type GVMaybeType,
  type GVTupleType,
  type GVType,
  MAX_DEPTH,
  alignUp,
  isSignature,
  parseType,
  toType,
} from './type.js';
import type { GValue, GVariantBox } from './value.js';

interface Input {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly rootSig: string;
}

/**
 * Reads `bytes` as a normal-form value of `type`. Throws GVARIANT_NOT_NORMAL (with the byte offset in the
 * message and in `data.offset`) on anything else, GVARIANT_BAD_TYPE when `type` itself is invalid.
 * Byte arrays (`ay`) come back as copies.
 */
export function deserialize(type: string | GVType, bytes: Uint8Array): GValue {
  const t = toType(type);
  if (!(bytes instanceof Uint8Array)) {
    throw new StoreError('GVARIANT_BAD_VALUE', `deserialize needs a Uint8Array, got ${typeof bytes}`, { type: t.sig });
  }
  const input: Input = { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), rootSig: t.sig };
  return read(input, t, 0, bytes.length, 0);
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function notNormal(input: Input, what: string, at: number, t: GVType, cause?: unknown): StoreError {
  const inside = t.sig === input.rootSig ? '' : ` inside '${clip(input.rootSig)}'`;
  return new StoreError(
    'GVARIANT_NOT_NORMAL',
    `not normal form: ${what} at byte ${at} (type '${clip(t.sig)}'${inside})`,
    { offset: at, type: t.sig, rootType: input.rootSig },
    cause === undefined ? undefined : { cause },
  );
}

// `start`/`end` are absolute offsets into input.bytes; every container starts aligned to its own
// alignment (by induction from offset 0), so alignment is checked on offsets relative to the container.
function read(input: Input, t: GVType, start: number, end: number, depth: number): GValue {
  if (depth > MAX_DEPTH) throw notNormal(input, `values nested deeper than ${MAX_DEPTH}`, start, t);
  const size = end - start;
  if (t.fixedSize !== 0 && size !== t.fixedSize) {
    throw notNormal(input, `${size} bytes for a fixed-size type of ${t.fixedSize} bytes`, start, t);
  }
  switch (t.kind) {
    case 'basic':
      return readBasic(input, t, start, end);
    case 'variant':
      return readVariant(input, t, start, end, depth);
    case 'maybe':
      return readMaybe(input, t, start, end, depth);
    case 'array':
      return readArray(input, t, start, end, depth);
    case 'tuple':
    case 'dictEntry':
      return readTuple(input, t, start, end, depth);
  }
}

function readBasic(input: Input, t: GVBasicType, start: number, end: number): GValue {
  const { bytes, view } = input;
  switch (t.code) {
    case 'y':
      return bytes[start]!;
    case 'b': {
      const b = bytes[start]!;
      if (b > 1) throw notNormal(input, `boolean byte 0x${b.toString(16).padStart(2, '0')} is neither 00 nor 01`, start, t);
      return b === 1;
    }
    case 'n':
      return view.getInt16(start, true);
    case 'q':
      return view.getUint16(start, true);
    case 'i':
    case 'h':
      return view.getInt32(start, true);
    case 'u':
      return view.getUint32(start, true);
    case 'x':
      return view.getBigInt64(start, true);
    case 't':
      return view.getBigUint64(start, true);
    case 'd':
      return view.getFloat64(start, true);
    case 's':
    case 'o':
    case 'g':
      return readString(input, t, start, end);
  }
}

function readString(input: Input, t: GVBasicType, start: number, end: number): string {
  const { bytes } = input;
  if (end === start) throw notNormal(input, 'empty string data (no NUL terminator)', start, t);
  if (bytes[end - 1] !== 0) throw notNormal(input, 'string does not end with a NUL byte', end - 1, t);
  const nul = bytes.indexOf(0, start);
  if (nul !== end - 1) throw notNormal(input, 'string has an embedded NUL byte', nul, t);
  const s = decodeUtf8(bytes, start, end - 1);
  if (s === undefined) throw notNormal(input, 'string is not valid UTF-8', start, t);
  if (t.code === 'o' && !isObjectPath(s)) throw notNormal(input, `${JSON.stringify(clip(s))} is not a valid object path`, start, t);
  if (t.code === 'g' && !isSignature(s)) throw notNormal(input, `${JSON.stringify(clip(s))} is not a valid signature`, start, t);
  return s;
}

// Variant: child bytes, 00, then the child's type string (which has no 00, so the last 00 separates them).
function readVariant(input: Input, t: GVType, start: number, end: number, depth: number): GVariantBox {
  const { bytes } = input;
  let sep = end - 1;
  while (sep >= start && bytes[sep] !== 0) sep--;
  if (sep < start) throw notNormal(input, 'variant has no 00 byte before its type string', start, t);
  if (sep === end - 1) throw notNormal(input, 'variant has an empty type string', sep, t);
  let sig = '';
  for (let i = sep + 1; i < end; i++) sig += String.fromCharCode(bytes[i]!);
  let child: GVType;
  try {
    child = parseType(sig);
  } catch (err) {
    throw notNormal(input, `variant type string ${JSON.stringify(clip(sig))} is not one complete valid type`, sep + 1, t, err);
  }
  return { type: child.sig, value: read(input, child, start, sep, depth + 1) };
}

// Maybe: Nothing = no bytes; Just(fixed) = the value; Just(variable) = the value then 00.
function readMaybe(input: Input, t: GVMaybeType, start: number, end: number, depth: number): GValue {
  if (start === end) return null;
  const elem = t.elem;
  let value: GValue;
  if (elem.fixedSize !== 0) {
    if (end - start !== elem.fixedSize) {
      throw notNormal(input, `Just value of ${end - start} bytes for an element of ${elem.fixedSize} bytes`, start, t);
    }
    value = read(input, elem, start, end, depth + 1);
  } else {
    if (input.bytes[end - 1] !== 0) throw notNormal(input, 'Just value is not followed by a 00 byte', end - 1, t);
    value = read(input, elem, start, end - 1, depth + 1);
  }
  // `mmT`: Just(x) of a nested maybe is [x], so that Just(Nothing) stays distinct from Nothing.
  return elem.kind === 'maybe' ? [value] : value;
}

function readArray(input: Input, t: GVArrayType, start: number, end: number, depth: number): GValue {
  const elem = t.elem;
  const size = end - start;
  const fs = elem.fixedSize;
  if (fs !== 0) {
    // Fixed-size elements: plain concatenation.
    if (size % fs !== 0) {
      throw notNormal(input, `array of ${size} bytes is not a multiple of its ${fs}-byte element size`, start, t);
    }
    // A copy, and a plain Uint8Array even when the input is a Buffer (whose slice() would alias it).
    if (elem.kind === 'basic' && elem.code === 'y') return new Uint8Array(input.bytes.subarray(start, end));
    const out = new Array<GValue>(size / fs);
    for (let i = 0, at = start; at < end; i++, at += fs) out[i] = read(input, elem, at, at + fs, depth + 1);
    return out;
  }
  if (size === 0) return [];
  // Variable-size elements: elements, then one end offset per element, in element order.
  const width = offsetWidthOf(size);
  if (size < width) throw notNormal(input, `array of ${size} bytes cannot hold a ${width}-byte framing offset`, start, t);
  const bodyEnd = readOffset(input.bytes, end - width, width);
  if (bodyEnd > size - width) {
    throw notNormal(input, `last framing offset ${bodyEnd} points past the ${size - width} bytes of elements`, end - width, t);
  }
  if ((size - bodyEnd) % width !== 0) {
    throw notNormal(input, `framing offsets take ${size - bodyEnd} bytes, not a multiple of their width ${width}`, start + bodyEnd, t);
  }
  const count = (size - bodyEnd) / width;
  checkMinimalWidth(input, t, start + bodyEnd, bodyEnd, count, width);
  const out = new Array<GValue>(count);
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const at = start + bodyEnd + i * width;
    const e = readOffset(input.bytes, at, width);
    if (e > bodyEnd) throw notNormal(input, `element ${i} end offset ${e} is past the elements (${bodyEnd} bytes)`, at, t);
    const s = alignUp(prev, elem.align);
    if (e < s) {
      throw notNormal(input, `element ${i} end offset ${e} is before its start ${s} (offsets must not decrease)`, at, t);
    }
    checkPadding(input, t, start + prev, start + s);
    out[i] = read(input, elem, start + s, start + e, depth + 1);
    prev = e;
  }
  return out;
}

// Tuples and dict entries: members aligned in order; end offsets of the variable-size members except
// the last, in reverse order, at the very end; a fixed-size tuple is padded to its alignment.
function readTuple(input: Input, t: GVTupleType, start: number, end: number, depth: number): GValue[] {
  const size = end - start;
  let width: OffsetWidth = 1;
  let bodyEnd = size;
  if (t.offsetCount > 0) {
    width = offsetWidthOf(size);
    bodyEnd = size - t.offsetCount * width;
    if (bodyEnd < 0) {
      throw notNormal(input, `${size} bytes cannot hold ${t.offsetCount} framing offsets of ${width} bytes`, start, t);
    }
    checkMinimalWidth(input, t, start + bodyEnd, bodyEnd, t.offsetCount, width);
  }
  const n = t.members.length;
  const out = new Array<GValue>(n);
  let offset = 0;
  let framed = 0;
  for (let i = 0; i < n; i++) {
    const m = t.members[i]!;
    const s = alignUp(offset, m.align);
    if (s > bodyEnd) throw notNormal(input, `member ${i} would start at ${s}, past the ${bodyEnd} bytes of members`, start + offset, t);
    checkPadding(input, t, start + offset, start + s);
    let e: number;
    let endAt = start + s; // where the end was decided, for messages
    if (m.fixedSize !== 0) {
      e = s + m.fixedSize;
    } else if (i === n - 1) {
      e = bodyEnd;
    } else {
      framed++;
      endAt = end - framed * width;
      e = readOffset(input.bytes, endAt, width);
    }
    if (e < s) throw notNormal(input, `member ${i} end offset ${e} is before its start ${s}`, endAt, t);
    if (e > bodyEnd) throw notNormal(input, `member ${i} ends at ${e}, past the ${bodyEnd} bytes of members`, endAt, t);
    out[i] = read(input, m, start + s, start + e, depth + 1);
    offset = e;
  }
  if (t.fixedSize !== 0) {
    checkPadding(input, t, start + offset, end); // trailing padding (the single byte of `()`)
  } else if (offset !== bodyEnd) {
    throw notNormal(input, `${bodyEnd - offset} trailing bytes after the last member`, start + offset, t);
  }
  return out;
}

function checkPadding(input: Input, t: GVType, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (input.bytes[i] !== 0) throw notNormal(input, `non-zero padding byte 0x${input.bytes[i]!.toString(16)}`, i, t);
  }
}

function checkMinimalWidth(input: Input, t: GVType, at: number, body: number, count: number, width: OffsetWidth): void {
  const minimal = offsetWidthFor(body, count);
  if (minimal !== width) {
    throw notNormal(input, `framing offsets are ${width} bytes wide where ${minimal} suffice`, at, t);
  }
}
