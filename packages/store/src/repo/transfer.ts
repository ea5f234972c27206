import { promises as fs, createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { ObjectType } from '../objects/object-type.js';
import { encodeArchiveHeader, framedHeader, isSymlinkMode } from '../objects/file-header.js';
import { fsError } from '../fsio/fs-error.js';
import type { Repo } from './repo.js';
import { openFileObject } from './file-object.js';

const deflateRaw = promisify<zlib.InputType, zlib.ZlibOptions, Buffer>(zlib.deflateRaw);

/** Content objects of bare repos up to this size are compressed in one piece; larger ones are streamed. */
const WHOLE_DEFLATE_LIMIT = 4 * 1024 * 1024;

/**
 * The archive-format bytes of an object, as they travel (§2.5): metadata objects verbatim (checked
 * against their checksum, so a damaged object is never sent), file objects as `.filez`: an archive
 * repo's file as it is; a bare repo's synthesized from its metadata and its content, compressed at
 * the repo's zlib level off the main thread. OBJECT_MISSING / OBJECT_CORRUPT otherwise. For
 * objects that may be large, openObjectForTransfer streams instead.
 */
export async function readObjectForTransfer(repo: Repo, checksum: Checksum, type: ObjectType): Promise<Buffer> {
  if (type !== 'file') return asBuffer(await repo.readMetadataBytes(checksum, type));
  if (repo.mode === 'archive') return readWhole(repo, checksum, type);
  const obj = await openFileObject(repo, checksum);
  const head = framedHeader(encodeArchiveHeader(obj.info));
  if (isSymlinkMode(obj.info.mode)) return head;
  const content = await obj.readContent();
  if (content.length !== obj.info.size) throw changed(checksum);
  return Buffer.concat([head, await deflateRaw(content, { level: repo.zlibLevel })]);
}

/**
 * The size of an object as it travels: exact for metadata and for archive repos' files; for bare
 * repos' files an estimate (header plus uncompressed content: an upper bound but for incompressible data).
 */
export async function transferSizeOf(repo: Repo, checksum: Checksum, type: ObjectType): Promise<number> {
  if (type === 'file' && repo.mode !== 'archive') {
    const obj = await openFileObject(repo, checksum);
    return framedHeader(encodeArchiveHeader(obj.info)).length + obj.info.size;
  }
  return (await statObject(repo, checksum, type)).size;
}

/**
 * The archive-format bytes of an object as a stream, for objects too large to hold in memory
 * (memory stays at a few chunks whatever the object's size). `size` is exact when known up front
 * (metadata, archive repos, symlinks), null when the content is compressed on the way.
 */
export async function openObjectForTransfer(repo: Repo, checksum: Checksum, type: ObjectType): Promise<{ size: number | null; stream: Readable }> {
  if (type !== 'file' || repo.mode === 'archive') {
    const path = repo.objectPath(checksum, type);
    if (type !== 'file') {
      // Metadata is small and must be checked against its name before it leaves.
      const bytes = await readObjectForTransfer(repo, checksum, type);
      return { size: bytes.length, stream: Readable.from([bytes]) };
    }
    const handle = await openObject(path, checksum, type);
    const { size } = await handle.stat();
    return { size, stream: handle.createReadStream() };
  }
  const obj = await openFileObject(repo, checksum);
  const head = framedHeader(encodeArchiveHeader(obj.info));
  if (isSymlinkMode(obj.info.mode)) return { size: head.length, stream: Readable.from([head]) };
  if (obj.info.size <= WHOLE_DEFLATE_LIMIT) {
    const bytes = await readObjectForTransfer(repo, checksum, type);
    return { size: bytes.length, stream: Readable.from([bytes]) };
  }
  const deflate = zlib.createDeflateRaw({ level: repo.zlibLevel });
  const body = createReadStream(obj.path);
  body.on('error', (err) => deflate.destroy(err));
  const stream = Readable.from(concatStreams(head, body.pipe(deflate)));
  return { size: null, stream };
}

async function* concatStreams(head: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield head;
  for await (const chunk of rest) yield chunk;
}

async function readWhole(repo: Repo, checksum: Checksum, type: ObjectType): Promise<Buffer> {
  const handle = await openObject(repo.objectPath(checksum, type), checksum, type);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function openObject(path: string, checksum: Checksum, type: ObjectType): Promise<fs.FileHandle> {
  try {
    return await fs.open(path, 'r');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StoreError('OBJECT_MISSING', `${type} object ${checksum} is not in the repository`, { checksum, type }, { cause });
    }
    throw fsError(cause, { action: 'cannot read', path });
  }
}

async function statObject(repo: Repo, checksum: Checksum, type: ObjectType): Promise<{ size: number }> {
  const path = repo.objectPath(checksum, type);
  try {
    return await fs.lstat(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StoreError('OBJECT_MISSING', `${type} object ${checksum} is not in the repository`, { checksum, type }, { cause });
    }
    throw fsError(cause, { action: 'cannot read', path });
  }
}

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

function changed(checksum: Checksum): StoreError {
  return new StoreError('OBJECT_CORRUPT', `file object ${checksum}: content size differs from its metadata`, { checksum, type: 'file' });
}
