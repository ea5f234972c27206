import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

/**
 * Worker threads that compress small content objects and create their `.filez` files. Node's
 * async zlib costs ~100 µs of main-thread time per call to set up its stream, and creating a
 * file in one of 256 object folders costs about as much again; done here, the main thread only
 * walks, reads and hashes while both cores compress. The worker is a string (not a module
 * file) so the same code runs from the TypeScript sources under vitest and from dist/.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { deflateRawSync } = require('node:zlib');
const { writeFileSync } = require('node:fs');
parentPort.on('message', (m) => {
  try {
    const body = deflateRawSync(m.bytes, { level: m.level });
    const out = Buffer.concat([m.head, body]);
    try {
      writeFileSync(m.path, out, { flag: 'wx', mode: 0o644 });
      parentPort.postMessage({ id: m.id, written: out.length });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      parentPort.postMessage({ id: m.id, written: -1 });
    }
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: { message: String(err && err.message), code: err && err.code } });
  }
});
`;

interface Job {
  resolve: (written: number) => void;
  reject: (err: Error) => void;
}

export class DeflateWorkers {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private readonly load: number[] = [];
  private nextId = 0;
  private broken: Error | null = null;

  constructor(size = Math.max(1, availableParallelism())) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      w.on('message', (m: { id: number; written?: number; error?: { message: string; code?: string } }) => {
        this.load[i]!--;
        const job = this.jobs.get(m.id);
        this.jobs.delete(m.id);
        if (!job) return;
        if (m.error) job.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
        else job.resolve(m.written!);
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`compression worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.load.push(0);
    }
  }

  /**
   * Compresses `bytes` and writes head + deflate body to `path` (O_EXCL). Resolves with the
   * bytes written, or -1 if the file already existed (a duplicate object).
   */
  writeFilez(path: string, head: Uint8Array, bytes: Uint8Array, level: number): Promise<number> {
    if (this.broken) return Promise.reject(this.broken);
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      this.load[best]!++;
      this.workers[best]!.postMessage({ id, path, head, bytes, level });
    });
  }

  private fail(err: Error): void {
    this.broken ??= err;
    for (const job of this.jobs.values()) job.reject(err);
    this.jobs.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
