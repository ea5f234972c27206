/**
 * Small received `.filez` objects, gathered into batches for the transaction's object workers
 * (repo/receive-small.ts verifies and stages them there). Per object on the main thread, a file
 * create, a write, an xattr and an inflate cost more than reading the whole pack; one message per
 * batch moves all of it to the workers' cores. A batch leaves when it is full (objects or bytes)
 * or, at the latest, on the next turn of the event loop, so a lone object never waits long.
 */
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Transaction } from './transaction.js';
import type { SmallReceiveItem } from './receive-small.js';

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
    let sent: Promise<unknown>;
    try {
      sent = tx.objectWorkers().receiveSmall({ mode: tx.repo.mode, items: batch.map((p) => p.item) }).then((results) => {
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
