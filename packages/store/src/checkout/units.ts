import type { Checksum } from '../checksum.js';
import type { DirMeta } from '../objects/dirmeta.js';
import { StoreError } from '../errors.js';
import type { FileWriter } from './file-writer.js';

/**
 * A piece of a checkout that one thread does alone: a folder to create with everything under
 * it, or the files of a folder that already exists. Units never overlap, so the threads of a
 * checkout share nothing but the counters below.
 */
export type Unit =
  | { kind: 'tree'; tree: Checksum; meta: Checksum; path: string; top: boolean }
  | { kind: 'files'; tree: Checksum; path: string };

/** A folder whose metadata is applied once everything in it is written. */
export interface PendingDir {
  path: string;
  meta: DirMeta;
}

/**
 * Slots of the Int32Array (over a SharedArrayBuffer) that the threads of one checkout share.
 * Units are claimed by atomically incrementing NEXT_UNIT; any thread that fails sets ABORT and
 * the others stop at their next file.
 */
export const CTL = { FILES: 0, DIRS: 1, ABORT: 2, NEXT_UNIT: 3, HELPER: 4, LENGTH: 5 } as const;
/** States of CTL.HELPER: the helper thread claims units only if it gets to RUNNING first. */
export const HELPER = { IDLE: 0, RUNNING: 1, CANCELLED: 2 } as const;

/** Thrown inside a thread that stops because another one failed; never reaches a caller. */
export class Aborted extends Error {}

/**
 * Splits the checkout of folder `tree` into `path`: folders near the top are created here,
 * breadth first, until `target` subtrees wait (or none are left); those become 'tree' units, and
 * the files of every folder created here 'files' units. Units are ordered biggest first (a
 * subtree is guessed from its top folder's listing), so that the last ones claimed are small
 * and the threads finish together. Returns the units and the folders created here, in
 * creation order.
 */
export function planUnits(
  writer: FileWriter, root: { tree: Checksum; meta: Checksum; path: string }, target: number, ctl: Int32Array,
): { units: Unit[]; dirs: PendingDir[] } {
  const queue: Array<Extract<Unit, { kind: 'tree' }>> = [{ kind: 'tree', ...root, top: true }];
  const sized: Array<{ unit: Unit; size: number }> = [];
  const dirs: PendingDir[] = [];
  let head = 0;
  while (head < queue.length && queue.length - head < target) {
    const d = queue[head++]!;
    const dirtree = writer.repo.readDirTreeSync(d.tree);
    const meta = writer.repo.readDirMetaSync(d.meta);
    if (openDir(writer, d.path, d.top)) dirs.push({ path: d.path, meta });
    Atomics.add(ctl, CTL.DIRS, 1);
    if (dirtree.files.length > 0) sized.push({ unit: { kind: 'files', tree: d.tree, path: d.path }, size: dirtree.files.length });
    for (const s of dirtree.dirs) queue.push({ kind: 'tree', tree: s.tree, meta: s.meta, path: `${d.path}/${s.name}`, top: false });
  }
  if (target > 1) {
    for (const unit of queue.slice(head)) {
      const t = writer.repo.readDirTreeSync(unit.tree);
      sized.push({ unit, size: t.files.length + SUBTREE_GUESS * t.dirs.length });
    }
    sized.sort((a, b) => b.size - a.size);
  } else {
    sized.unshift(...queue.slice(head).map((unit) => ({ unit, size: 0 })));
  }
  return { units: sized.map((s) => s.unit), dirs };
}

/** Entries guessed under each subfolder of a folder not yet read (rootfs-a averages ~8). */
const SUBTREE_GUESS = 8;

/** Large files streamed at once per thread before it waits for the oldest. */
const STREAMS_IN_FLIGHT = 8;

/**
 * Claims and writes units until none is left or another thread has failed. A unit's folders
 * get their metadata (deepest first) once everything in them is written: at once, or, when the
 * unit streams large files in the background, after those (meanwhile the thread goes on with
 * other units). `onFile` runs after each file. On failure, sets ABORT and throws once nothing
 * this thread started is still writing.
 */
export async function runUnits(writer: FileWriter, units: readonly Unit[], ctl: Int32Array, onFile?: () => void): Promise<void> {
  const waiting: Array<{ streams: Array<Promise<void>>; dirs: PendingDir[] }> = [];
  let streaming = 0;
  let failure: { err: unknown } | null = null;
  const settle = async (w: { streams: Array<Promise<void>>; dirs: PendingDir[] }): Promise<void> => {
    streaming -= w.streams.length;
    for (const r of await Promise.allSettled(w.streams)) if (r.status === 'rejected') failure ??= { err: r.reason };
    if (!failure) applyDirs(writer, w.dirs);
  };
  try {
    while (!failure && Atomics.load(ctl, CTL.ABORT) === 0) {
      const i = Atomics.add(ctl, CTL.NEXT_UNIT, 1);
      if (i >= units.length) break;
      const unit = units[i]!;
      const dirs: PendingDir[] = [];
      if (unit.kind === 'files') writeFiles(writer, writer.repo.readDirTreeSync(unit.tree).files, unit.path, ctl, onFile);
      else walk(writer, unit, dirs, ctl, onFile);
      const streams = writer.streams.splice(0);
      if (streams.length === 0) {
        applyDirs(writer, dirs);
        continue;
      }
      waiting.push({ streams, dirs });
      streaming += streams.length;
      while (streaming > STREAMS_IN_FLIGHT && !failure) await settle(waiting.shift()!);
    }
  } catch (err) {
    if (!(err instanceof Aborted)) failure ??= { err };
  }
  // Whatever happened, nothing this thread started may still be writing when it returns.
  const pending = [...waiting.splice(0), { streams: writer.streams.splice(0), dirs: [] }];
  for (const w of pending) await settle(w);
  if (failure) {
    Atomics.store(ctl, CTL.ABORT, 1);
    throw failure.err;
  }
}

function applyDirs(writer: FileWriter, dirs: readonly PendingDir[]): void {
  for (let i = dirs.length - 1; i >= 0; i--) writer.applyDirMeta(dirs[i]!.path, dirs[i]!.meta);
}

function walk(
  writer: FileWriter, d: { tree: Checksum; meta: Checksum; path: string; top: boolean }, dirs: PendingDir[], ctl: Int32Array,
  onFile?: () => void,
): void {
  // Both objects are read (and their names checked) before the folder is made.
  const dirtree = writer.repo.readDirTreeSync(d.tree);
  const meta = writer.repo.readDirMetaSync(d.meta);
  if (openDir(writer, d.path, d.top)) dirs.push({ path: d.path, meta });
  writeFiles(writer, dirtree.files, d.path, ctl, onFile);
  for (const s of dirtree.dirs) walk(writer, { tree: s.tree, meta: s.meta, path: `${d.path}/${s.name}`, top: false }, dirs, ctl, onFile);
  Atomics.add(ctl, CTL.DIRS, 1);
}

function writeFiles(
  writer: FileWriter, files: ReadonlyArray<{ name: string; checksum: Checksum }>, path: string, ctl: Int32Array, onFile?: () => void,
): void {
  for (const f of files) {
    if (Atomics.load(ctl, CTL.ABORT) !== 0) throw new Aborted();
    // Names were validated when the dirtree was read: joining with '/' cannot leave `path`.
    writer.writeFile(f.checksum, `${path}/${f.name}`);
    Atomics.add(ctl, CTL.FILES, 1);
    onFile?.();
  }
}

/**
 * Creates a folder, or in union mode keeps a real folder that is already there. Returns whether
 * the folder is new (a kept folder keeps its own metadata, as in ostree).
 */
function openDir(writer: FileWriter, path: string, top: boolean): boolean {
  const kept = writer.opts.union && writer.removeIfNotDir(path, true);
  if (!kept) writer.makeDir(path, top);
  return !kept;
}

/** A failure as plain data, to cross from a helper thread to the main one. */
export interface SerializedError {
  code: StoreError['code'];
  message: string;
  data: Record<string, unknown>;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof StoreError) {
    let data: Record<string, unknown> = {};
    try {
      data = structuredClone(err.data);
    } catch {
      /* data that cannot cross threads is left behind */
    }
    return { code: err.code, message: err.message, data };
  }
  return { code: 'CHECKOUT_FAILED', message: `checkout thread failed: ${(err as Error)?.message ?? String(err)}`, data: {} };
}
