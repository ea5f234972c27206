import { rmSync } from 'node:fs';
import { chmod, readFile, stat } from 'node:fs/promises';
import { StoreError } from '../errors.js';
import { type Checksum, isChecksum } from '../checksum.js';
import { type ObjectType, MAX_METADATA_SIZE } from '../objects/object-type.js';
import { verifyMetadataObject } from '../objects/verify-object.js';
import { parseFilezHeader, verifyFilezBytes } from '../objects/filez.js';
import { type FileInfo, isSymlinkMode } from '../objects/file-header.js';
import { createExclusiveSync } from '../fsio/create-exclusive.js';
import { type Transaction, contentFileMode } from './transaction.js';

/**
 * What arrived: the object's bytes (archive format: metadata verbatim, files as `.filez`), or a
 * temporary file holding them (objects that arrived in chunks), read in chunks and left in place.
 */
export type ReceivedData = Uint8Array | { path: string };

/**
 * `.filez` objects up to this compressed size whose header announces at most MAIN_THREAD_CONTENT
 * bytes are verified on the calling thread (cheaper than a worker round trip); any other object
 * is inflated, hashed and written by an object worker as a stream, so a pull never blocks its
 * event loop on one object and never holds a large one in memory.
 */
const MAIN_THREAD_FILEZ = 1024 * 1024;
const MAIN_THREAD_CONTENT = 4 * 1024 * 1024;

/**
 * Transaction.writeReceivedObject: verifies completely before staging anything. Metadata:
 * verifyMetadataObject. Files: header, inflate bounded by the announced size, SHA-256 of content
 * header + content == checksum. Then stages in the repo's own mode: archive keeps the received
 * `.filez` byte for byte (as ostree does for pulled objects); bare modes store the content.
 * Returns the bytes staged, 0 if the object was there already.
 */
export async function writeReceivedObject(tx: Transaction, checksum: Checksum, type: ObjectType, data: ReceivedData): Promise<number> {
  if (!isChecksum(checksum)) throw new StoreError('INVALID_ARGUMENT', `not a checksum: ${JSON.stringify(checksum)}`, { checksum, type });
  // The same object offered twice at once (two connections of one pull): the second waits for the
  // first, and stores its own copy only if the first turned out bad.
  let pending = receiving.get(tx);
  if (!pending) receiving.set(tx, (pending = new Map()));
  const key = type + checksum;
  const earlier = pending.get(key);
  if (earlier && (await earlier.then(() => true, () => false))) return 0;
  const attempt = receive(tx, checksum, type, data);
  pending.set(key, attempt);
  try {
    return await attempt;
  } finally {
    if (pending.get(key) === attempt) pending.delete(key);
  }
}

const receiving = new WeakMap<Transaction, Map<string, Promise<number>>>();

async function receive(tx: Transaction, checksum: Checksum, type: ObjectType, data: ReceivedData): Promise<number> {
  if (tx.hasSync(checksum, type)) return 0;
  if (type !== 'file') {
    const bytes = data instanceof Uint8Array ? data : await readSmall(data.path, checksum, type);
    verifyMetadataObject(checksum, type, bytes);
    if (!createExclusiveSync(tx.stagePath(checksum, type), bytes, 0o644)) return 0;
    tx.count(bytes.length);
    return bytes.length;
  }
  if (data instanceof Uint8Array && data.length <= MAIN_THREAD_FILEZ && parseFilezHeader(checksum, data).info.size <= MAIN_THREAD_CONTENT) {
    const verified = verifyFilezBytes(checksum, data);
    checkStorable(tx, checksum, verified.info);
    return stageVerified(tx, checksum, data, verified);
  }
  return receiveInWorker(tx, checksum, data);
}

/** Stages a `.filez` verified on this thread. */
async function stageVerified(tx: Transaction, checksum: Checksum, filez: Uint8Array, v: { info: FileInfo; content: Buffer }): Promise<number> {
  if (tx.repo.mode === 'archive') {
    if (!createExclusiveSync(tx.stagePath(checksum, 'file'), filez, 0o644)) return 0;
    tx.count(filez.length);
    return filez.length;
  }
  const before = tx.stats.objectsWritten;
  const symlink = isSymlinkMode(v.info.mode);
  await tx.writeFile(checksum, v.info, symlink ? null : { bytes: v.content });
  if (tx.stats.objectsWritten === before) return 0;
  return symlink ? Buffer.byteLength(v.info.symlinkTarget) : v.info.size;
}

/** Verifies and writes a large (or file-backed) `.filez` in a worker, under a temporary name. */
async function receiveInWorker(tx: Transaction, checksum: Checksum, data: ReceivedData): Promise<number> {
  const archive = tx.repo.mode === 'archive';
  const temp = tx.tempPath();
  const final = tx.stagePath(checksum, 'file');
  tx.inFlight.add(checksum);
  let staged = false;
  try {
    const source = data instanceof Uint8Array ? { bytes: data } : { path: data.path };
    // The mode depends on the file's own mode, known only once the header is read: bare-user's
    // 0400 floor and bare's 0600 are safe to start with, and stageContentFile sets the rest.
    const info = await tx.objectWorkers().receiveFilez({
      checksum, source, dest: temp, output: archive ? 'filez' : 'content', mode: archive ? 0o644 : 0o600,
    });
    checkStorable(tx, checksum, info);
    if (!archive && isSymlinkMode(info.mode)) {
      tx.inFlight.delete(checksum);
      await tx.writeFile(checksum, info, null);
      return Buffer.byteLength(info.symlinkTarget);
    }
    const { size } = await stat(temp);
    if (!archive && tx.repo.mode !== 'bare') await chmod(temp, contentFileMode(tx.repo.mode, info));
    tx.stageContentFile(temp, final, info);
    staged = true;
    tx.count(size);
    return size;
  } finally {
    tx.inFlight.delete(checksum);
    if (!staged) rmSync(temp, { force: true });
  }
}

/**
 * A bare-user-only repository stores only what an unprivileged user can (§1.2): no owner but
 * root, no xattrs, no setuid/setgid/sticky or world-writable bits on regular files. ostree 2022.7
 * refuses such modes when it pulls ("invalid mode ... with bits ...") but stores foreign owners
 * and xattrs, which its own fsck then reports as corrupt objects; both are refused here.
 */
function checkStorable(tx: Transaction, checksum: Checksum, info: FileInfo): void {
  if (tx.repo.mode !== 'bare-user-only') return;
  const badBits = isSymlinkMode(info.mode) ? 0 : info.mode & 0o7777 & ~0o775;
  let why: string | null = null;
  if (badBits !== 0) why = `mode 0${info.mode.toString(8)} has bits 0${badBits.toString(8)}`;
  else if (info.uid !== 0 || info.gid !== 0) why = `owner ${info.uid}:${info.gid} is not 0:0`;
  else if (info.xattrs.length > 0) why = `it has extended attributes (${info.xattrs.map(([n]) => n).join(', ')})`;
  if (why) {
    throw new StoreError('COMMIT_INPUT', `file object ${checksum} cannot be stored in a bare-user-only repository: ${why}`, { checksum, type: 'file', mode: info.mode });
  }
}

async function readSmall(path: string, checksum: Checksum, type: ObjectType): Promise<Uint8Array> {
  if ((await stat(path)).size > MAX_METADATA_SIZE) {
    throw new StoreError('OBJECT_CORRUPT', `${type} object ${checksum} is over the ${MAX_METADATA_SIZE}-byte limit`, { checksum, type });
  }
  return readFile(path);
}
