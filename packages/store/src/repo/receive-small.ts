/**
 * The object workers' side of the batched receive of small `.filez` objects (see
 * receive-batcher.ts): for each object, in order, a look for it in the repo, then the complete
 * verification (header, inflate bounded by the announced size, SHA-256 of content header +
 * content), then — only once it passed — one synchronous staging in the repo's mode. File
 * creation is what costs a pull of many small files its time; done here, in batches, it runs on
 * the workers' cores while the main thread reads the network, one message per batch.
 */
import { lstatSync } from 'node:fs';
import { StoreError, type StoreErrorCode } from '../errors.js';
import { corruptFile, parseFilezHeader, verifyFilezBytes } from '../objects/filez.js';
import { isSymlinkMode } from '../objects/file-header.js';
import { createExclusiveSync } from '../fsio/create-exclusive.js';
import { fsError } from '../fsio/fs-error.js';
import type { RepoMode } from './config.js';
import { checkStorable, stageBareFileSync } from './stage-file-sync.js';

export interface SmallReceiveItem {
  checksum: string;
  /** the `.filez` bytes as received */
  bytes: Uint8Array;
  /** the most content it may announce (it was sent here because its header said no more) */
  maxContent: number;
  /** the object's path in the staging folder (its 2-hex folder exists) */
  dest: string;
  /** the object's path in the repository: present there means nothing to do */
  existing: string;
}

export interface SmallReceiveJob {
  mode: RepoMode;
  items: SmallReceiveItem[];
}

/** Per item: the bytes staged (−1: the repo or the staging folder had it already), or why not. */
export type SmallReceiveResult = number | { code: StoreErrorCode; message: string; data: Record<string, unknown> };

export function receiveSmallBatch(job: SmallReceiveJob): SmallReceiveResult[] {
  return job.items.map((item) => {
    try {
      return receiveOne(job.mode, item);
    } catch (err) {
      const named = fsError(err, { action: 'cannot stage', path: item.dest });
      if (named instanceof StoreError) return { code: named.code, message: named.message, data: named.data };
      return { code: 'IO', message: `receiving file object ${item.checksum} failed: ${(err as Error | null)?.message ?? String(err)}`, data: { checksum: item.checksum } };
    }
  });
}

function receiveOne(mode: RepoMode, item: SmallReceiveItem): number {
  if (lstatSync(item.existing, { throwIfNoEntry: false }) !== undefined) return -1;
  const { info } = parseFilezHeader(item.checksum, item.bytes);
  if (info.size > item.maxContent) throw corruptFile(item.checksum, `header announces ${info.size} bytes, more than the ${item.maxContent} it was read for`);
  const { content } = verifyFilezBytes(item.checksum, item.bytes);
  checkStorable(mode, item.checksum, info);
  if (mode === 'archive') return createExclusiveSync(item.dest, item.bytes, 0o644) ? item.bytes.length : -1;
  const symlink = isSymlinkMode(info.mode);
  if (!stageBareFileSync(mode, item.dest, info, symlink ? null : content)) return -1;
  return symlink ? Buffer.byteLength(info.symlinkTarget) : info.size;
}
