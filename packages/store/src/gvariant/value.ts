/**
 * JS values of GVariant types:
 * y n q i u h d → number (d = float64); x t → bigint; b → boolean; s o g → string;
 * `ay` → Uint8Array; other `aT` → array; `{KV}` → [key, value]; tuples → array of members (`()` → []);
 * `mT` → null (Nothing) or the value, except that Just(x) of a nested maybe `mmT` is [x];
 * `v` → GVariantBox.
 */
export type GValue = number | bigint | boolean | string | Uint8Array | GVariantBox | null | GValue[];

/** The value of a `v`: its type string and the value of that type. */
export interface GVariantBox {
  type: string;
  value: GValue;
}
