/**
 * Background writes of a walk that otherwise runs synchronously: at most `limit` run at once,
 * the first failure is kept and stops the walk at its next step, and `drain()` waits for all of
 * them, so nothing is still writing when the caller commits, aborts or reports.
 */
export class InFlight {
  private readonly pending = new Set<Promise<void>>();
  private failure: { err: unknown } | null = null;

  constructor(private readonly limit: number) {}

  /** Throws the first failure of any background write. */
  check(): void {
    if (this.failure) throw this.failure.err;
  }

  /** Adds a write; waits while `limit` are running; throws if any write has failed. */
  async add(work: Promise<unknown>): Promise<void> {
    const tracked: Promise<void> = work
      .then(
        () => undefined,
        (err: unknown) => {
          this.failure ??= { err };
        },
      )
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    while (this.pending.size >= this.limit) await Promise.race(this.pending);
    this.check();
  }

  /** Waits for every write to settle, then throws the first failure, if any. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.check();
  }
}
