import { Worker } from 'node:worker_threads';
import { StoreError } from '../errors.js';
import type { WriteOptions } from './file-writer.js';
import { CTL, HELPER, type SerializedError, type Unit } from './units.js';
import { compiledModulePath } from '../fsio/compiled-module.js';

/** What a helper thread starts with. */
export interface HelperData {
  repoPath: string;
  opts: WriteOptions;
  /** the checkout's shared counters (units.ts CTL) */
  ctl: SharedArrayBuffer;
}

/** The helper's one message back: done, or the typed error that stopped it. */
export type HelperReply = { done: true } | { done: false; error: SerializedError };

function helperPath(): string {
  return compiledModulePath(import.meta.url, 'checkout/checkout-worker.js', 'checkout thread');
}

/**
 * A second thread that takes units of a checkout alongside the main thread. Started before the
 * main thread plans, so its start-up (~30 ms) overlaps that work; if the main thread finishes
 * every unit before the helper claims one, the helper is cancelled and never waited for.
 */
export class HelperThread {
  private readonly worker: Worker;
  private readonly reply: Promise<HelperReply>;
  private units = 0;

  constructor(repoPath: string, opts: WriteOptions, private readonly ctl: Int32Array) {
    const data: HelperData = { repoPath, opts, ctl: ctl.buffer as SharedArrayBuffer };
    this.worker = new Worker(helperPath(), { workerData: data });
    this.worker.unref();
    this.reply = new Promise<HelperReply>((resolve) => {
      let settled = false;
      const failed = (message: string): void => {
        if (settled) return;
        settled = true;
        Atomics.store(ctl, CTL.ABORT, 1);
        resolve({ done: false, error: { code: 'CHECKOUT_FAILED', message, data: {} } });
      };
      this.worker.once('message', (m: HelperReply) => {
        settled = true;
        resolve(m);
      });
      this.worker.once('error', (err) => failed(`checkout thread failed: ${err.message}`));
      this.worker.once('exit', (code) => failed(`checkout thread exited with code ${code} before it finished`));
    });
  }

  /** Hands the helper the units to claim from. */
  start(units: readonly Unit[]): void {
    this.units = units.length;
    this.worker.postMessage({ units });
  }

  /**
   * Waits for the helper unless it never began (then it is cancelled); returns the helper's
   * error, if it failed. Afterwards the helper writes nothing more.
   */
  async finish(): Promise<StoreError | null> {
    // Cancelling is only right when nothing is left for it: every unit claimed, or a failure.
    const nothingLeft = Atomics.load(this.ctl, CTL.NEXT_UNIT) >= this.units || Atomics.load(this.ctl, CTL.ABORT) !== 0;
    if (nothingLeft && Atomics.compareExchange(this.ctl, CTL.HELPER, HELPER.IDLE, HELPER.CANCELLED) === HELPER.IDLE) {
      void this.worker.terminate();
      return null;
    }
    this.worker.ref(); // an unreferenced thread would let the process exit while we wait
    const r = await this.reply;
    void this.worker.terminate();
    return r.done ? null : new StoreError(r.error.code, r.error.message, r.error.data);
  }

  /** Stops a helper that was started but is no longer wanted (the plan failed). */
  cancel(): void {
    Atomics.store(this.ctl, CTL.ABORT, 1);
    Atomics.compareExchange(this.ctl, CTL.HELPER, HELPER.IDLE, HELPER.CANCELLED);
    void this.worker.terminate();
  }
}
