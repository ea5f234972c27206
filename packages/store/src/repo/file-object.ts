import { promises as fs, createReadStream, lstatSync, readFileSync, readlinkSync, openSync, readSync, closeSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { StoreError } from '../errors.js';
import type { Checksum } from '../checksum.js';
import type { Repo } from './repo.js';
import { decoded } from './repo.js';
import {
  type FileInfo, decodeArchiveHeader, decodeBareUserMeta, splitFramedHeader, isSymlinkMode, S_IFMT, S_IFLNK,
} from '../objects/file-header.js';
import { readXattr, readXattrs } from '../fsio/xattr-io.js';
import { inflateArchiveBody } from '../objects/archive-body.js';

const inflateRaw = promisify(zlib.inflateRaw);

/** Objects read whole into memory up to this size; larger ones are streamed. */
const WHOLE_READ_LIMIT = 4 * 1024 * 1024;
/** Largest `.filez` header read (a header is mostly xattrs). */
const MAX_HEADER = 1024 * 1024;

/** A content object opened for reading, whatever the repo mode. */
export interface FileObject {
  checksum: Checksum;
  info: FileInfo;
  /** path of the object file (a hardlink source in bare modes) */
  path: string;
  /** archive objects: where the deflate body starts in the `.filez` */
  bodyOffset?: number;
  /** the file's bytes (regular files only) */
  readContent(): Promise<Buffer>;
  /** the file's bytes, read and inflated on this thread (fine up to a few MiB) */
  readContentSync(): Buffer;
  /** the file's bytes as a stream (regular files only) */
  openContent(): Readable;
}

/** Opens a content object and parses its metadata; OBJECT_MISSING / OBJECT_CORRUPT otherwise. */
export async function openFileObject(repo: Repo, checksum: Checksum): Promise<FileObject> {
  return openFileObjectSync(repo, checksum);
}

/**
 * openFileObject without the thread pool: a few small system calls. `at`: read the object from
 * that path instead of objects/ (a staged object, laid out in the repo's mode).
 */
export function openFileObjectSync(repo: Repo, checksum: Checksum, at?: string): FileObject {
  const path = at ?? repo.objectPath(checksum, 'file');
  const what = `file object ${checksum}`;
  let st;
  try {
    st = lstatSync(path);
  } catch (cause) {
    throw new StoreError('OBJECT_MISSING', `${what} is not in the repository`, { checksum, type: 'file' }, { cause });
  }
  switch (repo.mode) {
    case 'archive': {
      // Only the header is read here; content is read when asked for (or by a worker).
      let prefix = readPrefix(path, 4096);
      if (prefix.length >= 4 && 8 + prefix.readUInt32BE(0) > prefix.length) prefix = readPrefix(path, Math.min(8 + prefix.readUInt32BE(0), MAX_HEADER));
      const { header, bodyOffset } = splitFramedHeader(prefix, what);
      const info = decoded(checksum, 'file', () => decodeArchiveHeader(header, what));
      const streamBody = (): Readable => checkedInflate(createReadStream(path, { start: bodyOffset }), info.size, checksum, what);
      const checkSize = (body: Buffer): Buffer => {
        if (body.length !== info.size) throw new StoreError('OBJECT_CORRUPT', `${what}: content is ${body.length} bytes, header says ${info.size}`, { checksum });
        return body;
      };
      return {
        checksum,
        info,
        path,
        bodyOffset,
        readContent: async () => {
          try {
            return checkSize(st.size <= WHOLE_READ_LIMIT ? await inflateRaw((await fs.readFile(path)).subarray(bodyOffset), { maxOutputLength: info.size + 1 }) : await collect(streamBody()));
          } catch (cause) {
            throw corrupt(checksum, what, cause);
          }
        },
        readContentSync: () => {
          try {
            return inflateArchiveBody(readFileSync(path).subarray(bodyOffset), info.size, checksum);
          } catch (cause) {
            throw corrupt(checksum, what, cause);
          }
        },
        openContent: streamBody,
      };
    }
    case 'bare-user': {
      const meta = readXattr(path, 'user.ostreemeta');
      if (!meta) throw new StoreError('OBJECT_CORRUPT', `${what}: no user.ostreemeta attribute`, { checksum });
      const m = decoded(checksum, 'file', () => decodeBareUserMeta(meta, what));
      if (isSymlinkMode(m.mode)) {
        const raw = readFileSync(path);
        const target = raw.toString('utf8').replace(/\0$/, '');
        return plain(checksum, path, { ...m, symlinkTarget: target, size: 0 });
      }
      return plain(checksum, path, { ...m, symlinkTarget: '', size: st.size });
    }
    case 'bare':
    case 'bare-user-only': {
      const bare = repo.mode === 'bare';
      const uid = bare ? st.uid : 0;
      const gid = bare ? st.gid : 0;
      const xattrs = bare ? readXattrs(path) : [];
      if ((st.mode & S_IFMT) === S_IFLNK) {
        return plain(checksum, path, { uid, gid, mode: st.mode, symlinkTarget: readlinkSync(path), xattrs, size: 0 });
      }
      return plain(checksum, path, { uid, gid, mode: st.mode, symlinkTarget: '', xattrs, size: st.size });
    }
  }
}

function plain(checksum: Checksum, path: string, info: FileInfo): FileObject {
  return {
    checksum,
    info,
    path,
    readContent: () => fs.readFile(path),
    readContentSync: () => readFileSync(path),
    openContent: () => createReadStream(path),
  };
}

function corrupt(checksum: Checksum, what: string, cause: unknown): StoreError {
  if (cause instanceof StoreError) return cause;
  return new StoreError('OBJECT_CORRUPT', `${what}: compressed content is damaged (${(cause as Error).message})`, { checksum }, { cause });
}

/**
 * Inflates an archive body as a stream, failing with OBJECT_CORRUPT when the deflate data is
 * damaged or yields a different length than the header promised.
 */
function checkedInflate(source: Readable, size: number, checksum: Checksum, what: string): Readable {
  let seen = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > size) cb(new StoreError('OBJECT_CORRUPT', `${what}: content is longer than the ${size} bytes its header says`, { checksum }));
      else cb(null, chunk);
    },
    flush(cb) {
      if (seen !== size) cb(new StoreError('OBJECT_CORRUPT', `${what}: content is ${seen} bytes, header says ${size}`, { checksum }));
      else cb();
    },
  });
  const inflate = zlib.createInflateRaw();
  const fail = (err: Error): void => {
    check.destroy(corrupt(checksum, what, err));
  };
  source.on('error', fail);
  inflate.on('error', fail);
  return source.pipe(inflate).pipe(check);
}

function readPrefix(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const bytesRead = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    closeSync(fd);
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
