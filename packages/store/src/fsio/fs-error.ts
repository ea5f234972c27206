import { StoreError, type StoreErrorCode } from '../errors.js';

/** What the operating system said, in words a user reads (the errno name stays in `data`). */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EXDEV: 'not on the same file system',
  EIO: 'input/output error',
  EBUSY: 'device or resource busy',
  ETXTBSY: 'text file busy',
  EINVAL: 'invalid argument',
  ENOTSUP: 'operation not supported',
  EOPNOTSUPP: 'operation not supported',
  E2BIG: 'argument list too long',
  ERANGE: 'value out of range',
  ENODATA: 'no data available',
};

/** Errnos that mean "this user may not do that here". */
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);
/** Errnos that mean the disk is full. */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** The errno name (`EACCES`, ...) of a Node file-system error, or undefined for anything else. */
export function errnoOf(err: unknown): string | undefined {
  if (!(err instanceof Error) || err instanceof StoreError) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** `permission denied` for EACCES; the errno name itself for one without a description. */
export function describeErrno(errno: string): string {
  return DESCRIPTIONS[errno] ?? errno;
}

export interface FsErrorContext {
  /** What was being done, as the start of the message: `cannot create`, `cannot read`. */
  action: string;
  /** The path it was done to (default: the path the system call names). */
  path?: string;
  /**
   * The code for this failure when it is not about permission or space: COMMIT_INPUT for the
   * tree being committed, CHECKOUT_FAILED for a checkout's destination (default IO). A full disk
   * is always NO_SPACE; a refusal is PERMISSION_DENIED unless `deniedCode` says otherwise.
   */
  code?: StoreErrorCode;
  /** The code for EACCES/EPERM/EROFS (default PERMISSION_DENIED). */
  deniedCode?: StoreErrorCode;
}

/**
 * Turns a file-system error into a StoreError with a stable code, a one-line message naming the
 * path (`cannot create /srv/root: permission denied`), data {path, errno, syscall} and the
 * original as its cause, so that no raw `EACCES` reaches a user. A StoreError, or anything that
 * is not an errno error, is returned unchanged.
 */
export function fsError(err: unknown, ctx: FsErrorContext): unknown {
  const errno = errnoOf(err);
  if (errno === undefined) return err;
  const e = err as NodeJS.ErrnoException;
  const path = ctx.path ?? e.path ?? '';
  const code: StoreErrorCode = FULL.has(errno) ? 'NO_SPACE' : DENIED.has(errno) ? (ctx.deniedCode ?? 'PERMISSION_DENIED') : (ctx.code ?? 'IO');
  const detail = e.path && e.path !== path ? ` (${e.syscall ?? 'at'} ${e.path})` : '';
  const message = `${ctx.action}${path ? ` ${path}` : ''}: ${describeErrno(errno)}${detail}`;
  return new StoreError(code, message, { path, errno, ...(e.syscall ? { syscall: e.syscall } : {}) }, { cause: err });
}

/** True for a full disk, whether it arrives as Node's errno error or already named NO_SPACE. */
export function isNoSpace(err: unknown): boolean {
  if (err instanceof StoreError) return err.code === 'NO_SPACE';
  const errno = errnoOf(err);
  return errno !== undefined && FULL.has(errno);
}
