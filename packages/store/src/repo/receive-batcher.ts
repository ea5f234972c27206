/**
 * Small received `.filez` objects, gathered into batches for the transaction's object workers
 * (repo/receive-small.ts verifies and stages them there). Per object on the main thread, a file
 * create, a write, an xattr and an inflate cost more than reading the whole pack; one message per
 * batch moves all of it to the workers' cores. A batch leaves when it is full (objects or bytes)
 * or, at the latest, on the next turn of the event loop, so a lone object never waits long.
 */
import { availableParallelism } from 'node:os';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Transaction } from './transaction.js';
import type { SmallReceiveItem } from './receive-small.js';

/**
 * Object workers for a transfer: one core fewer than the machine has, since the main thread has
 * a core's work too (reading the network, verifying metadata). Each worker is also a V8 heap and
 * a malloc arena more: on 2 cores, 2 workers cost ~15 MB more peak memory for no faster pull.
 */
export const RECEIVE_WORKERS = Math.max(1, availableParallelism() - 1);

const MAX_BATCH_OBJECTS = 64;
const MAX_BATCH_BYTES = 1024 * 1024;

interface Pending {
  item: SmallReceiveItem;
  resolve: (staged: number) => void;
  reject: (err: unknown) => void;
}

export class ReceiveBatcher {
  private queue: Pending[] = [];
  private bytes = 0;
  private scheduled: NodeJS.Immediate | null = null;

  constructor(private readonly tx: Transaction) {}

  /**
   * Verifies and stages one small `.filez` (announcing at most `maxContent` bytes) in a worker. Resolves with the bytes staged (0 if the
   * repo or this transaction had it already); rejects with the StoreError that refused it.
   */
  add(checksum: Checksum, bytes: Uint8Array, maxContent: number): Promise<number> {
    const item: SmallReceiveItem = {
      checksum, bytes, maxContent, dest: this.tx.stagePath(checksum, 'file'), existing: this.tx.repo.objectPath(checksum, 'file'),
    };
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.bytes += bytes.length;
      if (this.queue.length >= MAX_BATCH_OBJECTS || this.bytes >= MAX_BATCH_BYTES) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const batch = this.queue;
    this.queue = [];
    this.bytes = 0;
    if (batch.length === 0) return;
    const { tx } = this;
    // One buffer for the whole batch, handed to the worker rather than serialized and copied again.
    const whole = new Uint8Array(batch.reduce((n, p) => n + p.item.bytes.length, 0));
    let at = 0;
    const items = batch.map(({ item }) => {
      whole.set(item.bytes, at);
      const bytes = whole.subarray(at, (at += item.bytes.length));
      return { ...item, bytes };
    });
    let sent: Promise<unknown>;
    try {
      sent = tx.objectWorkers(RECEIVE_WORKERS).receiveSmall({ mode: tx.repo.mode, items }, [whole.buffer]).then((results) => {
        batch.forEach((p, i) => {
          const r = results[i]!;
          if (typeof r !== 'number') return p.reject(new StoreError(r.code, r.message, r.data));
          if (r < 0) return p.resolve(0);
          tx.count(r);
          p.resolve(r);
        });
      });
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.catch((err: unknown) => {
      for (const p of batch) p.reject(err);
    });
  }
}
