/**
 * GVariant type strings parsed into a tree that carries what the codec needs: alignment, fixed size and,
 * for tuples, how many framing offsets they hold. See reference/ostree-formats.md §3.
 */
import { StoreError } from '../errors.js';

export type BasicCode = 'y' | 'b' | 'n' | 'q' | 'i' | 'u' | 'x' | 't' | 'h' | 'd' | 's' | 'o' | 'g';
export type Alignment = 1 | 2 | 4 | 8;

interface TypeInfo {
  /** the type string this node was parsed from, e.g. `a{sv}` */
  readonly sig: string;
  readonly align: Alignment;
  /** size in bytes of every value of a fixed-size type; 0 for variable-size types */
  readonly fixedSize: number;
  /** container nesting levels inside this type (basic types and `v` are 0) */
  readonly depth: number;
}

export interface GVBasicType extends TypeInfo {
  readonly kind: 'basic';
  readonly code: BasicCode;
}
export interface GVVariantType extends TypeInfo {
  readonly kind: 'variant';
}
export interface GVArrayType extends TypeInfo {
  readonly kind: 'array';
  readonly elem: GVType;
}
export interface GVMaybeType extends TypeInfo {
  readonly kind: 'maybe';
  readonly elem: GVType;
}
/** A tuple `(...)` or a dict entry `{kv}`; both are laid out the same way. */
export interface GVTupleType extends TypeInfo {
  readonly kind: 'tuple' | 'dictEntry';
  readonly members: readonly GVType[];
  /** framing offsets at the end: one per variable-size member except the last member */
  readonly offsetCount: number;
}

/** A parsed, definite GVariant type. */
export type GVType = GVBasicType | GVVariantType | GVArrayType | GVMaybeType | GVTupleType;

/** GLib's G_VARIANT_MAX_RECURSION_DEPTH: deeper types (and values) are refused. */
export const MAX_DEPTH = 128;

const BASIC: Record<BasicCode, { align: Alignment; fixedSize: number }> = {
  y: { align: 1, fixedSize: 1 },
  b: { align: 1, fixedSize: 1 },
  n: { align: 2, fixedSize: 2 },
  q: { align: 2, fixedSize: 2 },
  i: { align: 4, fixedSize: 4 },
  u: { align: 4, fixedSize: 4 },
  h: { align: 4, fixedSize: 4 },
  x: { align: 8, fixedSize: 8 },
  t: { align: 8, fixedSize: 8 },
  d: { align: 8, fixedSize: 8 },
  s: { align: 1, fixedSize: 0 },
  o: { align: 1, fixedSize: 0 },
  g: { align: 1, fixedSize: 0 },
};

function isBasicCode(c: string | undefined): c is BasicCode {
  return c !== undefined && Object.hasOwn(BASIC, c);
}

/** Rounds `offset` up to a multiple of `align`. */
export function alignUp(offset: number, align: number): number {
  const r = offset % align;
  return r === 0 ? offset : offset + align - r;
}

/** True when every value of `t` has the same size (and so needs no framing offset). */
export function isFixedSize(t: GVType): boolean {
  return t.fixedSize !== 0;
}

// Parsed types, by type string. Bounded because variant type strings come from untrusted data.
const cache = new Map<string, GVType>();
const CACHE_LIMIT = 4096;

/** Parses one complete definite type string; results are cached. Throws GVARIANT_BAD_TYPE. */
export function parseType(sig: string): GVType {
  const hit = cache.get(sig);
  if (hit !== undefined) return hit;
  if (typeof sig !== 'string') {
    throw new StoreError('GVARIANT_BAD_TYPE', `type must be a string, got ${typeof sig}`, { sig });
  }
  const { type, end } = scan(sig, 0, 0, true);
  if (end !== sig.length) {
    throw badType(sig, end, 'trailing characters after one complete type');
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(sig, type);
  return type;
}

/** `type` itself when already parsed, else parseType(type). */
export function toType(type: string | GVType): GVType {
  return typeof type === 'string' ? parseType(type) : type;
}

/**
 * True for a D-Bus signature (`g`): zero or more complete types, without maybes, as GLib's
 * g_variant_is_signature accepts.
 */
export function isSignature(s: string): boolean {
  let pos = 0;
  try {
    while (pos < s.length) pos = scan(s, pos, 0, false).end;
  } catch (err) {
    if (err instanceof StoreError) return false;
    throw err;
  }
  return true;
}

function badType(sig: string, at: number, why: string): StoreError {
  return new StoreError('GVARIANT_BAD_TYPE', `invalid GVariant type '${sig}': ${why} at character ${at}`, { sig, at });
}

/** Reads one complete type starting at `pos`. */
function scan(sig: string, pos: number, depth: number, allowMaybe: boolean): { type: GVType; end: number } {
  const c = sig[pos];
  if (c === undefined) throw badType(sig, pos, 'unexpected end of type string');
  if (isBasicCode(c)) {
    const b = BASIC[c];
    return { type: { kind: 'basic', code: c, sig: c, align: b.align, fixedSize: b.fixedSize, depth: 0 }, end: pos + 1 };
  }
  if (c === 'v') return { type: { kind: 'variant', sig: 'v', align: 8, fixedSize: 0, depth: 0 }, end: pos + 1 };
  if (depth >= MAX_DEPTH) throw badType(sig, pos, `nesting deeper than ${MAX_DEPTH}`);

  if (c === 'a' || (c === 'm' && allowMaybe)) {
    const { type: elem, end } = scan(sig, pos + 1, depth + 1, allowMaybe);
    const common = { sig: sig.slice(pos, end), align: elem.align, fixedSize: 0, depth: elem.depth + 1, elem };
    return { type: c === 'a' ? { kind: 'array', ...common } : { kind: 'maybe', ...common }, end };
  }

  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    const members: GVType[] = [];
    let p = pos + 1;
    while (sig[p] !== close) {
      if (sig[p] === undefined) throw badType(sig, p, `missing '${close}'`);
      if (c === '{') {
        if (members.length === 0 && !isBasicCode(sig[p])) throw badType(sig, p, 'dict entry key must be a basic type');
        if (members.length === 2) throw badType(sig, p, 'dict entry with more than two types');
      }
      const m = scan(sig, p, depth + 1, allowMaybe);
      members.push(m.type);
      p = m.end;
    }
    if (c === '{' && members.length !== 2) throw badType(sig, p, 'dict entry needs exactly a key and a value');
    return { type: tupleType(c === '(' ? 'tuple' : 'dictEntry', sig.slice(pos, p + 1), members), end: p + 1 };
  }
  throw badType(sig, pos, `unexpected character '${c}'`);
}

// Layout of a tuple (§3): members aligned in order; fixed-size only when every member is, and then padded
// to its alignment (`()` is one byte).
function tupleType(kind: 'tuple' | 'dictEntry', sig: string, members: GVType[]): GVTupleType {
  let align: Alignment = 1;
  let offset = 0;
  let allFixed = true;
  let offsetCount = 0;
  let depth = 0;
  members.forEach((m, i) => {
    if (m.align > align) align = m.align;
    if (m.depth + 1 > depth) depth = m.depth + 1;
    if (m.fixedSize !== 0) {
      offset = alignUp(offset, m.align) + m.fixedSize;
    } else {
      allFixed = false;
      if (i !== members.length - 1) offsetCount++;
    }
  });
  const fixedSize = !allFixed ? 0 : members.length === 0 ? 1 : alignUp(offset, align);
  return { kind, sig, align, fixedSize, depth: Math.max(depth, 1), members, offsetCount };
}
