import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { StoreError } from '../errors.js';
import type {
  CopyJob, CopyResult, FilezJob, HashJob, WorkerOp, WorkerOps, WorkerReply, WorkerRequest,
} from './object-worker.js';
import type { ReceiveJob } from './receive-filez.js';
import type { SmallReceiveJob, SmallReceiveResult } from '../repo/receive-small.js';
import type { FileInfo } from '../objects/file-header.js';
import { compiledModulePath } from './compiled-module.js';
import { native } from './native.js';

export type { CopyJob, CopyResult, FilezJob, HashJob } from './object-worker.js';

/**
 * A worker's objects are short-lived and small (its buffers live outside the heap): a young
 * generation of a few megabytes is collected often and cheaply, and frees those buffers sooner,
 * where V8's default of several tens of megabytes per thread only adds to a pull's peak memory.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 6 };

/** Threads share two malloc arenas (see osgit_native.c), once per process; harmless without the addon. */
let arenasLimited = false;
function limitArenas(): void {
  if (arenasLimited) return;
  arenasLimited = true;
  try {
    native().limitMallocArenas(2);
  } catch {
    /* no addon (or no glibc): memory use is higher, nothing else changes */
  }
}

function workerPath(): string {
  return compiledModulePath(import.meta.url, 'fsio/object-worker.js', 'object worker');
}

interface Job {
  resolve: (result: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * Worker threads that write objects and checked-out files. Node's async zlib costs ~100 µs of
 * main-thread time per call to set up its stream, and creating a file in one of 256 object
 * folders costs about as much again; done here, the main thread only walks, reads and hashes
 * while both cores compress, inflate and create files. (Small files of bare-user commits stay
 * on the main thread: there the kernel's file creation is the cost, and a worker only adds
 * messaging; large ones are copied here, so the walk goes on meanwhile.) Failures arrive as
 * StoreErrors.
 */
export class ObjectWorkers {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private readonly load: number[] = [];
  private nextId = 0;
  private broken: StoreError | null = null;

  constructor(size = Math.max(1, availableParallelism())) {
    const path = workerPath();
    limitArenas();
    for (let i = 0; i < size; i++) {
      const w = new Worker(path, { resourceLimits: WORKER_LIMITS });
      w.unref();
      w.on('message', (m: WorkerReply) => {
        this.load[i]!--;
        const job = this.jobs.get(m.id);
        this.jobs.delete(m.id);
        if (!job) return;
        if (m.error) job.reject(new StoreError(m.error.code, m.error.message, m.error.data));
        else job.resolve(m.result);
      });
      w.on('error', (err) => this.fail(new StoreError('IO', `object worker failed: ${err.message}`, {}, { cause: err })));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new StoreError('IO', `object worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.load.push(0);
    }
  }

  /** Compresses and creates a `.filez` (O_EXCL). Resolves with its size, or -1 if it existed. */
  writeFilez(job: FilezJob): Promise<number> {
    return this.post('filez', job);
  }

  /** Recomputes a content object's checksum (64 hex); OBJECT_CORRUPT for damage. */
  hashContent(job: HashJob): Promise<string> {
    return this.post('hash', job);
  }

  /** Copies a file into a new one, reading it once; resolves with the checksum of head + the bytes written. */
  copyHashing(job: CopyJob): Promise<CopyResult> {
    return this.post('copy', job);
  }

  /**
   * Verifies a received `.filez` (checksum over header and inflated content) while writing it
   * into a new file; OBJECT_CORRUPT (the file removed) if it is not the object it claims to be.
   */
  receiveFilez(job: ReceiveJob): Promise<FileInfo> {
    return this.post('receive', job);
  }

  /** Verifies and stages a batch of small received `.filez` objects; one result per object. */
  receiveSmall(job: SmallReceiveJob, transfer: ArrayBuffer[] = []): Promise<SmallReceiveResult[]> {
    return this.post('receiveSmall', job, transfer);
  }

  /** Sends a job to the least busy worker; `transfer`: buffers handed over, not copied. */
  private post<K extends WorkerOp>(op: K, job: WorkerOps[K][0], transfer: ArrayBuffer[] = []): Promise<WorkerOps[K][1]> {
    if (this.broken) return Promise.reject(this.broken);
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.load[best]!++;
      this.workers[best]!.postMessage({ id, op, job } as WorkerRequest, transfer);
    });
  }

  private fail(err: StoreError): void {
    this.broken ??= err;
    for (const job of this.jobs.values()) job.reject(err);
    this.jobs.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
