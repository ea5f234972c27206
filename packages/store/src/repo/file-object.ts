import { promises as fs, createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
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

const inflateRaw = promisify(zlib.inflateRaw);

/** Objects read whole into memory up to this size; larger ones are streamed. */
const WHOLE_READ_LIMIT = 4 * 1024 * 1024;

/** A content object opened for reading, whatever the repo mode. */
export interface FileObject {
  checksum: Checksum;
  info: FileInfo;
  /** path of the object file (a hardlink source in bare modes) */
  path: string;
  /** the file's bytes (regular files only) */
  readContent(): Promise<Buffer>;
  /** the file's bytes as a stream (regular files only) */
  openContent(): Readable;
}

/** Opens a content object and parses its metadata; OBJECT_MISSING / OBJECT_CORRUPT otherwise. */
export async function openFileObject(repo: Repo, checksum: Checksum): Promise<FileObject> {
  const path = repo.objectPath(checksum, 'file');
  const what = `file object ${checksum}`;
  let st;
  try {
    st = await fs.lstat(path);
  } catch (cause) {
    throw new StoreError('OBJECT_MISSING', `${what} is not in the repository`, { checksum, type: 'file' }, { cause });
  }
  switch (repo.mode) {
    case 'archive': {
      const whole = st.size <= WHOLE_READ_LIMIT ? await fs.readFile(path) : await readPrefix(path, 64 * 1024);
      const { header, bodyOffset } = splitFramedHeader(whole, what);
      const info = decoded(checksum, 'file', () => decodeArchiveHeader(header, what));
      const streamBody = (): Readable => createReadStream(path, { start: bodyOffset }).pipe(zlib.createInflateRaw());
      return {
        checksum,
        info,
        path,
        readContent: async () => {
          const body = st.size <= WHOLE_READ_LIMIT ? await inflateRaw(whole.subarray(bodyOffset)) : await collect(streamBody());
          if (body.length !== info.size) throw new StoreError('OBJECT_CORRUPT', `${what}: content is ${body.length} bytes, header says ${info.size}`, { checksum });
          return body;
        },
        openContent: streamBody,
      };
    }
    case 'bare-user': {
      const meta = readXattr(path, 'user.ostreemeta');
      if (!meta) throw new StoreError('OBJECT_CORRUPT', `${what}: no user.ostreemeta attribute`, { checksum });
      const m = decoded(checksum, 'file', () => decodeBareUserMeta(meta, what));
      if (isSymlinkMode(m.mode)) {
        const raw = await fs.readFile(path);
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
        return plain(checksum, path, { uid, gid, mode: st.mode, symlinkTarget: await fs.readlink(path), xattrs, size: 0 });
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
    openContent: () => createReadStream(path),
  };
}

async function readPrefix(path: string, n: number): Promise<Buffer> {
  const fh = await fs.open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
