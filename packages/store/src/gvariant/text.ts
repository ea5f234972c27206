/**
 * The string types `s`, `o`, `g`: UTF-8 without NUL, plus the syntax of object paths and signatures
 * (as GLib's g_variant_serialiser_is_object_path checks them; signatures are checked in type.ts).
 */
// fatal: invalid UTF-8 throws; ignoreBOM: keep a leading U+FEFF as a character (stripping it would lose bytes).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Decodes UTF-8, or returns undefined when `bytes` is not valid UTF-8 (overlong, surrogates, truncated…). */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  // Short ASCII strings (file names, keys) are the common case and cheaper without TextDecoder.
  if (end - start <= 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
      return s;
    }
  }
  try {
    return decoder.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}

/** Writes `s` as UTF-8 into `out` at `at`; `out` must have room for 3 bytes per UTF-16 unit. Returns bytes written. */
export function encodeUtf8Into(s: string, out: Uint8Array, at: number): number {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    out[at + i] = c;
  }
  if (i === n) return n;
  return i + encoder.encodeInto(s.slice(i), out.subarray(at + i)).written;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** True when `s` has a UTF-16 surrogate without its pair, which UTF-8 cannot represent. */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/** D-Bus object path syntax: `/` or `/seg(/seg)*`, seg = [A-Za-z0-9_]+. */
export function isObjectPath(s: string): boolean {
  return /^\/(?:[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*)?$/.test(s);
}
