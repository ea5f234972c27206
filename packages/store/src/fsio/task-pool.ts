/**
 * A bounded pool for I/O tasks: at most `limit` run at once, the rest wait in FIFO order. After
 * the first failure no queued task starts, and `all()` waits for every task to settle before it
 * throws, so nothing is still writing when the caller cleans up.
 */
export class TaskPool {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** the first error any task threw */
  failed: unknown = undefined;
  private hasFailed = false;

  constructor(private readonly limit: number) {}

  /** Throws the pool's first error, if any (call before starting more work). */
  check(): void {
    if (this.hasFailed) throw this.failed;
  }

  fail(err: unknown): void {
    if (!this.hasFailed) {
      this.hasFailed = true;
      this.failed = err;
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      this.check();
      return await task();
    } catch (err) {
      this.fail(err);
      throw err;
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Runs every task through the pool; resolves with their results once all have settled. */
  async all<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
    const results = await Promise.allSettled(tasks.map((t) => this.run(t)));
    if (results.some((r) => r.status === 'rejected')) throw this.failed;
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
  }
}
