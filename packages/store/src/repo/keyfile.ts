/**
 * A GKeyFile (INI) document that keeps its lines, so that rewriting a key leaves the rest of a
 * repo's config byte-for-byte as it was. Pure: text in, text out.
 */
export class KeyFile {
  private lines: string[];

  constructor(text = '') {
    this.lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  }

  get(group: string, key: string): string | undefined {
    for (const [k, v] of this.pairs(group)) if (k === key) return v;
    return undefined;
  }

  getBoolean(group: string, key: string, fallback: boolean): boolean {
    const v = this.get(group, key);
    if (v === undefined) return fallback;
    return v === 'true' || v === '1';
  }

  /** The keys and values of `group`, in file order (a repeated key gives its first value, as get does). */
  entries(group: string): Array<[string, string]> {
    const out = new Map<string, string>();
    for (const [k, v] of this.pairs(group)) if (!out.has(k)) out.set(k, v);
    return [...out];
  }

  /** Every key=value line of `group`, in file order (a group may appear more than once). */
  private *pairs(group: string): Generator<[string, string]> {
    let current: string | null = null;
    for (const line of this.lines) {
      const g = groupOf(line);
      if (g !== null) {
        current = g;
        continue;
      }
      if (current !== group) continue;
      const kv = keyValueOf(line);
      if (kv) yield [kv[0], kv[1]];
    }
  }

  groups(): string[] {
    return this.lines.map(groupOf).filter((g): g is string => g !== null);
  }

  set(group: string, key: string, value: string): void {
    let current: string | null = null;
    let lastLineOfGroup = -1;
    for (let i = 0; i < this.lines.length; i++) {
      const line = this.lines[i]!;
      const g = groupOf(line);
      if (g !== null) {
        current = g;
        if (g === group) lastLineOfGroup = i;
        continue;
      }
      if (current !== group) continue;
      if (line.trim() !== '') lastLineOfGroup = i;
      const kv = keyValueOf(line);
      if (kv && kv[0] === key) {
        this.lines[i] = `${key}=${value}`;
        return;
      }
    }
    if (lastLineOfGroup === -1) {
      if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
      this.lines.push(`[${group}]`, `${key}=${value}`);
    } else {
      this.lines.splice(lastLineOfGroup + 1, 0, `${key}=${value}`);
    }
  }

  removeGroup(group: string): void {
    const out: string[] = [];
    let skipping = false;
    for (const line of this.lines) {
      const g = groupOf(line);
      if (g !== null) skipping = g === group;
      if (!skipping) out.push(line);
    }
    this.lines = out;
  }

  toString(): string {
    return this.lines.length === 0 ? '' : this.lines.join('\n') + '\n';
  }
}

function groupOf(line: string): string | null {
  const m = /^\s*\[(.+)\]\s*$/.exec(line);
  return m ? m[1]! : null;
}

function keyValueOf(line: string): [string, string] | null {
  if (/^\s*[#;]/.test(line)) return null;
  const eq = line.indexOf('=');
  if (eq < 0) return null;
  return [line.slice(0, eq).trim(), line.slice(eq + 1).trim()];
}
