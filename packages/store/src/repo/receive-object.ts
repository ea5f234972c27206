import { rmSync } from 'node:fs';
import { chmod, readFile, stat } from 'node:fs/promises';
import { StoreError } from '../errors.js';
import { type Checksum, isChecksum } from '../checksum.js';
import { type ObjectType, MAX_METADATA_SIZE } from '../objects/object-type.js';
import { verifyMetadataObject } from '../objects/verify-object.js';
import { isSymlinkMode } from '../objects/file-header.js';
import { createExclusiveSync } from '../fsio/create-exclusive.js';
import { type Transaction, contentFileMode } from './transaction.js';
import { RECEIVE_WORKERS, ReceiveBatcher } from './receive-batcher.js';
import { checkStorable } from './stage-file-sync.js';

/**
 * What arrived: the object's bytes (archive format: metadata verbatim, files as `.filez`), or a
 * temporary file holding them (objects that arrived in chunks), read in chunks and left in place.
 */
export type ReceivedData = Uint8Array | { path: string };

/**
 * `.filez` objects up to this compressed size whose header announces at most SMALL_CONTENT bytes
 * are verified and staged by the object workers in batches, in memory (receive-batcher.ts); any
 * other object is inflated, hashed and written by an object worker as a stream, one at a time, so
 * a pull never blocks its event loop on one object and never holds a large one in memory.
 */
const SMALL_FILEZ = 1024 * 1024;
const SMALL_CONTENT = 4 * 1024 * 1024;

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
  if (type !== 'file') {
    if (tx.hasSync(checksum, type)) return 0;
    const bytes = data instanceof Uint8Array ? data : await readSmall(data.path, checksum, type);
    verifyMetadataObject(checksum, type, bytes);
    if (!createExclusiveSync(tx.stagePath(checksum, type), bytes, 0o644)) return 0;
    tx.count(bytes.length);
    return bytes.length;
  }
  if (tx.inFlight.has(checksum)) return 0;
  if (data instanceof Uint8Array && data.length <= SMALL_FILEZ && announcedSize(data) <= SMALL_CONTENT) {
    // The worker looks for it in the repo, and its O_EXCL create finds one staged already.
    tx.inFlight.add(checksum);
    try {
      return await batcherOf(tx).add(checksum, data, SMALL_CONTENT);
    } finally {
      tx.inFlight.delete(checksum);
    }
  }
  if (tx.hasSync(checksum, type)) return 0;
  return receiveInWorker(tx, checksum, data);
}

const batchers = new WeakMap<Transaction, ReceiveBatcher>();

function batcherOf(tx: Transaction): ReceiveBatcher {
  let b = batchers.get(tx);
  if (!b) batchers.set(tx, (b = new ReceiveBatcher(tx)));
  return b;
}

/**
 * The content size a `.filez`'s header announces, read without parsing it: the header's first
 * member, a big-endian uint64 right after the 8-byte frame (§2.5). The worker parses the header
 * completely and refuses the object if it announces more than it was sent for. Infinity when the
 * bytes are too short to say (the streaming path refuses those).
 */
function announcedSize(filez: Uint8Array): number {
  if (filez.length < 16) return Infinity;
  return Number(Buffer.from(filez.buffer, filez.byteOffset, 16).readBigUInt64BE(8));
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
    const info = await tx.objectWorkers(RECEIVE_WORKERS).receiveFilez({
      checksum, source, dest: temp, output: archive ? 'filez' : 'content', mode: archive ? 0o644 : 0o600,
    });
    checkStorable(tx.repo.mode, checksum, info);
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

async function readSmall(path: string, checksum: Checksum, type: ObjectType): Promise<Uint8Array> {
  if ((await stat(path)).size > MAX_METADATA_SIZE) {
    throw new StoreError('OBJECT_CORRUPT', `${type} object ${checksum} is over the ${MAX_METADATA_SIZE}-byte limit`, { checksum, type });
  }
  return readFile(path);
}
