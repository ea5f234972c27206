import { StoreError } from '../errors.js';

/**
 * A file-system failure as a typed error: a full disk (or quota) is NO_SPACE, anything else
 * IO, with the path and the errno name (`data.errno`) kept for whoever acts on it. StoreErrors
 * pass through unchanged.
 */
export function ioError(err: unknown, what: string, path: string): StoreError {
  if (err instanceof StoreError) return err;
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  const message = (err as Error | null)?.message ?? String(err);
  return new StoreError(
    errno === 'ENOSPC' || errno === 'EDQUOT' ? 'NO_SPACE' : 'IO',
    `${what} ${path}: ${message}`,
    { path, errno: errno ?? null },
    { cause: err },
  );
}

/** True for a full disk, whether it arrives as Node's errno error or as a NO_SPACE StoreError. */
export function isNoSpace(err: unknown): boolean {
  if (err instanceof StoreError) return err.code === 'NO_SPACE';
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
