// The order GVariantDict (a GHashTable of GLib 2.74) emits its entries in: reference App. A.
// OSTree appends a signature by loading the detached metadata into a GVariantDict, inserting
// the signature list and ending the dict, so the bytes it writes follow bucket order, not
// insertion order. Pure; emulates g_str_hash, g_hash_table_insert and g_hash_table_resize.

const MIN_SHIFT = 3;
const PRIME_MOD = [
  1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071, 262139, 524287,
  1048573, 2097143, 4194301, 8388593, 16777213, 33554393, 67108859, 134217689, 268435399, 536870909, 1073741789,
  2147483647,
];

/** g_str_hash over the UTF-8 bytes, each as a signed char; values below 2 are reserved (→ 2). */
function strHash(key: string): number {
  let h = 5381;
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = byte >= 128 ? byte - 256 : byte;
    h = (Math.imul(h, 33) + c) >>> 0;
  }
  return h < 2 ? 2 : h;
}

class StrTable {
  size = 0;
  mod = 0;
  mask = 0;
  nnodes = 0;
  noccupied = 0;
  hashes: number[] = [];
  keys: Array<string | undefined> = [];

  constructor() {
    this.setShift(MIN_SHIFT);
    this.hashes = new Array<number>(this.size).fill(0);
    this.keys = new Array<string | undefined>(this.size).fill(undefined);
  }

  private setShift(shift: number): void {
    this.size = 1 << shift;
    this.mod = PRIME_MOD[shift]!;
    this.mask = this.size - 1;
  }

  private toIndex(hash: number): number {
    return (Math.imul(hash, 11) >>> 0) % this.mod;
  }

  insert(key: string): void {
    const hash = strHash(key);
    let i = this.toIndex(hash);
    let step = 0;
    while (this.hashes[i] !== 0) {
      if (this.hashes[i] === hash && this.keys[i] === key) return; // replace value: position kept
      step++;
      i = (i + step) & this.mask;
    }
    this.hashes[i] = hash;
    this.keys[i] = key;
    this.nnodes++;
    this.noccupied++;
    if ((this.size > this.nnodes * 4 && this.size > 1 << MIN_SHIFT) || this.size <= this.noccupied + Math.floor(this.noccupied / 16)) {
      this.resize();
    }
  }

  private resize(): void {
    const oldSize = this.size;
    let n = Math.trunc(this.nnodes * 1.333);
    let shift = 0;
    while (n) {
      n >>= 1;
      shift++;
    }
    this.setShift(Math.max(shift, MIN_SHIFT));
    for (let j = oldSize; j < this.size; j++) {
      this.hashes[j] = 0;
      this.keys[j] = undefined;
    }
    const relocated = new Set<number>();
    for (let i = 0; i < oldSize; i++) {
      let nodeHash = this.hashes[i]!;
      if (nodeHash < 2) {
        this.hashes[i] = 0;
        continue;
      }
      if (relocated.has(i)) continue;
      this.hashes[i] = 0;
      let key = this.keys[i];
      this.keys[i] = undefined;
      for (;;) {
        let idx = this.toIndex(nodeHash);
        let step = 0;
        while (relocated.has(idx)) {
          step++;
          idx = (idx + step) & this.mask;
        }
        relocated.add(idx);
        const replacedHash = this.hashes[idx]!;
        const replacedKey = this.keys[idx];
        this.hashes[idx] = nodeHash;
        this.keys[idx] = key;
        if (replacedHash < 2) break;
        nodeHash = replacedHash;
        key = replacedKey;
      }
    }
    this.hashes.length = this.size;
    this.keys.length = this.size;
    this.noccupied = this.nnodes;
  }

  order(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.size; i++) if (this.hashes[i]! >= 2) out.push(this.keys[i]!);
    return out;
  }
}

/** The order g_variant_dict_end emits keys inserted in `insertionOrder` (duplicates keep their first slot). */
export function gvariantDictOrder(insertionOrder: string[]): string[] {
  const table = new StrTable();
  for (const key of insertionOrder) table.insert(key);
  return table.order();
}
