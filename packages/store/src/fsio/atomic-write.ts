import { promises as fs } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `data` to `path` atomically: temp file in the same folder, fsync, rename, fsync folder. */
export async function atomicWriteFile(path: string, data: string | Uint8Array, opts: { mode?: number; fsync?: boolean } = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fh = await fs.open(tmp, 'w', opts.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    if (opts.fsync !== false) await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  if (opts.fsync !== false) await fsyncDir(dirname(path));
}

export async function fsyncDir(path: string): Promise<void> {
  const fh = await fs.open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
