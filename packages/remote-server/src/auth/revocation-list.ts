import { promises as fs } from 'node:fs';
import { ServerError } from '../errors.js';

/**
 * The ids of revoked tokens, one per line in a file (`#` comments and blank lines ignored), as
 * `osgit token revoke` appends them. The file is looked at again at most every `checkIntervalMs`
 * and re-read only when its identity, size or mtime changed, so a revocation takes effect within
 * about a second without a restart and a busy server does not read the file per request.
 * A file that cannot be read after it was once read keeps the last list (never "nothing
 * revoked" because of a transient error); one that does not exist means nothing is revoked yet.
 * One that exists but has never been readable fails closed: every token check is an INTERNAL
 * error (500, the cause logged), never an accepted token that may be on the list.
 */
export class RevocationList {
  private ids = new Set<string>();
  private stamp = '';
  private lastCheck = -Infinity;
  private pending: Promise<void> | null = null;
  /** why the file, which exists, could not be read yet; null once it was read (or while absent) */
  private unreadable: unknown = null;

  constructor(readonly path: string, private readonly checkIntervalMs = 1000) {}

  async isRevoked(id: string): Promise<boolean> {
    await this.refresh();
    if (this.unreadable !== null) {
      throw new ServerError('INTERNAL', `the revocation list ${this.path} cannot be read`, { path: this.path }, { cause: this.unreadable });
    }
    return this.ids.has(id);
  }

  /** Reads the file now if it changed (also called once at start-up, so a bad path shows early). */
  async refresh(force = false): Promise<void> {
    const now = performance.now();
    if (!force && now - this.lastCheck < this.checkIntervalMs) return;
    // Concurrent requests share one look at the file.
    this.pending ??= this.reload().finally(() => {
      this.lastCheck = performance.now();
      this.pending = null;
    });
    await this.pending;
  }

  private async reload(): Promise<void> {
    let stamp: string;
    try {
      const st = await fs.stat(this.path, { bigint: true });
      stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.ids = new Set();
        this.stamp = '';
        this.unreadable = null;
      } else if (this.stamp === '') {
        this.unreadable = err;
      }
      return;
    }
    if (stamp === this.stamp) return;
    try {
      const text = await fs.readFile(this.path, 'utf8');
      this.ids = parseRevokedIds(text);
      this.stamp = stamp;
      this.unreadable = null;
    } catch (err) {
      // Keep the previous list (the next check tries again); with none yet, fail closed.
      if (this.stamp === '') this.unreadable = err;
    }
  }
}

export function parseRevokedIds(text: string): Set<string> {
  const ids = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line && !line.startsWith('#')) ids.add(line.split(/\s+/)[0]!);
  }
  return ids;
}
