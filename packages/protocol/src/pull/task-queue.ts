/**
 * Runs async tasks, at most `limit` at a time, high-priority ones first (the dumb pull puts
 * metadata first, as ostree does, so the walk finds the content to fetch early). Tasks may push
 * more tasks. The first failure stops new tasks from starting; `idle()` then rejects with it once
 * every running task has settled, so the caller never commits a transaction under a write.
 */
export class TaskQueue {
  private readonly high: Array<() => Promise<void>> = [];
  private readonly low: Array<() => Promise<void>> = [];
  private running = 0;
  private error: { err: unknown } | null = null;
  private waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  push(task: () => Promise<void>, priority: 'high' | 'low' = 'low'): void {
    if (this.error) return;
    (priority === 'high' ? this.high : this.low).push(task);
    this.pump();
  }

  /** Stops starting tasks, as a failure does; `idle()` rejects with `err` once the running ones settled. */
  fail(err: unknown): void {
    this.error ??= { err };
    this.high.length = 0;
    this.low.length = 0;
    this.settle();
  }

  get failed(): boolean {
    return this.error !== null;
  }

  /** Resolves when nothing runs or waits; rejects with the first failure once nothing runs. */
  idle(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.running > 0 || (!this.error && (this.high.length > 0 || this.low.length > 0))) {
          this.waiters.push(check);
          return;
        }
        if (this.error) reject(this.error.err);
        else resolve();
      };
      check();
    });
  }

  private pump(): void {
    while (!this.error && this.running < this.limit) {
      const task = this.high.shift() ?? this.low.shift();
      if (!task) break;
      this.running++;
      void Promise.resolve()
        .then(task)
        .catch((err: unknown) => this.fail(err))
        .finally(() => {
          this.running--;
          this.pump();
          this.settle();
        });
    }
  }

  private settle(): void {
    if (this.running > 0 || (!this.error && (this.high.length > 0 || this.low.length > 0))) return;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w();
  }
}
