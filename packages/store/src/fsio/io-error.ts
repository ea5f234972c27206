import { StoreError } from '../errors.js';

/**
 * A file-system failure as a typed error: a full disk (or quota) is NO_SPACE, anything else
 * IO, with the errno name kept in `data.errno` for the caller that needs it. StoreErrors pass
 * through unchanged.
 */
export function ioError(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as NodeJS.ErrnoException;
  const errno = typeof e?.code === 'string' ? e.code : undefined;
  const message = `${what}: ${e?.message ?? String(err)}`;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return new StoreError('NO_SPACE', message, { errno }, { cause: err });
  return new StoreError('IO', message, { ...(errno ? { errno } : {}) }, { cause: err });
}

/** True for a full disk, whether it arrives as Node's errno error or as a NO_SPACE StoreError. */
export function isNoSpace(err: unknown): boolean {
  if (err instanceof StoreError) return err.code === 'NO_SPACE';
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
