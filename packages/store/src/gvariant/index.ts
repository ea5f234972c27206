/** GVariant codec (normal form only, no I/O). See reference/ostree-formats.md §3. */
export type { GValue, GVariantBox } from './value.js';
export type {
  GVType,
  GVBasicType,
  GVVariantType,
  GVArrayType,
  GVMaybeType,
  GVTupleType,
  BasicCode,
  Alignment,
} from './type.js';
export { parseType, isFixedSize, isSignature, MAX_DEPTH } from './type.js';
export { serialize } from './serialize.js';
export { deserialize } from './deserialize.js';
export { bswap32, bswap64 } from './bswap.js';
export { isObjectPath } from './text.js';
