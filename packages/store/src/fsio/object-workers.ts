import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

/**
 * Worker threads that write objects and checked-out files. Node's async zlib costs ~100 µs of
 * main-thread time per call to set up its stream, and creating a file in one of 256 object
 * folders costs about as much again; done here, the main thread only walks, reads and hashes
 * while both cores compress, inflate and create files (bare-user commits stay on the main
 * thread: there the kernel's file creation is the cost, and a worker only adds messaging). The worker is a string (not a module
 * file) so the same code runs from the TypeScript sources under vitest and from dist/.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
const fs = require('node:fs');
const crypto = require('node:crypto');

function create(path, data, mode) {
  try {
    fs.writeFileSync(path, data, { flag: 'wx', mode });
    return true;
  } catch (err) {
    if (err.code === 'EEXIST') return false;
    throw err;
  }
}

const ops = {
  // commit into an archive repo: compress and create the .filez
  filez(m) {
    const out = Buffer.concat([m.head, zlib.deflateRawSync(m.bytes, { level: m.level })]);
    return create(m.path, out, 0o644) ? out.length : -1;
  },
  // checkout from an archive repo: inflate a .filez body into a new file
  inflate(m) {
    const filez = fs.readFileSync(m.source);
    let body;
    try {
      body = zlib.inflateRawSync(filez.subarray(m.bodyOffset), { chunkSize: Math.max(16384, m.size + 64), maxOutputLength: m.size + 1 });
    } catch (err) {
      throw Object.assign(new Error('compressed content is damaged (' + err.message + ')'), { code: 'OBJECT_CORRUPT' });
    }
    if (body.length !== m.size) {
      throw Object.assign(new Error('content is ' + body.length + ' bytes, header says ' + m.size), { code: 'OBJECT_CORRUPT' });
    }
    fs.writeFileSync(m.dest, body, { flag: 'wx', mode: 0o600 });
    if (m.owner) fs.chownSync(m.dest, m.owner[0], m.owner[1]);
    fs.chmodSync(m.dest, m.mode);
    return body.length;
  },
  // fsck: the checksum of a content object, recomputed from its header and its (inflated) bytes
  hash(m) {
    const raw = fs.readFileSync(m.source);
    let body = raw.subarray(m.bodyOffset);
    if (m.inflate) {
      try {
        body = zlib.inflateRawSync(body, { chunkSize: Math.max(16384, m.size + 64), maxOutputLength: m.size + 1 });
      } catch (err) {
        throw Object.assign(new Error('compressed content is damaged (' + err.message + ')'), { code: 'OBJECT_CORRUPT' });
      }
    }
    if (body.length !== m.size) {
      throw Object.assign(new Error('content is ' + body.length + ' bytes, header says ' + m.size), { code: 'OBJECT_CORRUPT' });
    }
    return crypto.createHash('sha256').update(m.head).update(body).digest('hex');
  },
};

parentPort.on('message', (m) => {
  try {
    parentPort.postMessage({ id: m.id, result: ops[m.op](m) });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: { message: String(err && err.message), code: err && err.code } });
  }
});
`;

export interface FilezJob { path: string; head: Uint8Array; bytes: Uint8Array; level: number }
export interface HashJob {
  /** the object file */
  source: string;
  /** where the content starts in it (archive: after the header) */
  bodyOffset: number;
  /** raw-deflated content (archive objects) */
  inflate: boolean;
  size: number;
  /** the framed content header the checksum starts with */
  head: Uint8Array;
}

export interface InflateJob {
  source: string;
  bodyOffset: number;
  size: number;
  dest: string;
  /** [uid, gid] to chown to, or null to leave ownership alone */
  owner: [number, number] | null;
  mode: number;
}

interface Job {
  resolve: (result: never) => void;
  reject: (err: Error) => void;
}

export class ObjectWorkers {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private readonly load: number[] = [];
  private nextId = 0;
  private broken: Error | null = null;

  constructor(size = Math.max(1, availableParallelism())) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      w.on('message', (m: { id: number; result?: never; error?: { message: string; code?: string } }) => {
        this.load[i]!--;
        const job = this.jobs.get(m.id);
        this.jobs.delete(m.id);
        if (!job) return;
        if (m.error) job.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
        else job.resolve(m.result!);
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`object worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.load.push(0);
    }
  }

  /** Compresses and creates a `.filez` (O_EXCL). Resolves with its size, or -1 if it existed. */
  writeFilez(job: FilezJob): Promise<number> {
    return this.post('filez', job);
  }

  /** Inflates an archive object into a new file (O_EXCL). Resolves with the content size. */
  inflateTo(job: InflateJob): Promise<number> {
    return this.post('inflate', job);
  }

  /** Recomputes a content object's checksum (64 hex); OBJECT_CORRUPT-coded errors for damage. */
  hashContent(job: HashJob): Promise<string> {
    return this.post<string>('hash', job);
  }

  private post<R = number>(op: string, job: object): Promise<R> {
    if (this.broken) return Promise.reject(this.broken);
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.jobs.set(id, { resolve: resolve as (r: never) => void, reject });
      this.load[best]!++;
      this.workers[best]!.postMessage({ ...job, id, op });
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
