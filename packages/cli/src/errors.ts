import { fsError, StoreError } from '@osgit/store';
import { ProtocolError } from '@osgit/protocol';

/**
 * Typed errors of the command line itself. A usage error (a bad flag, a missing argument, two
 * ways of giving the same thing) is the user's typing, not a fault of the store, so it is not a
 * StoreError. Every code maps to an exit status in exit-codes.ts.
 */
export type CliErrorCode =
  | 'USAGE' // flags or arguments the command cannot take
  | 'UNKNOWN_COMMAND'
  | 'INTERNAL'; // a bug: an error that is none of the typed ones

export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: CliErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
    this.data = data;
  }
}

/** An error as a user meets it: a stable code, one line, and the data to act on it. */
export type TypedError = CliError | StoreError | ProtocolError;

/**
 * Gives any error that reached a command's edge a stable code. StoreErrors and CliErrors keep
 * theirs; oclif's parse errors become USAGE; a file-system error that escaped the store's own
 * naming becomes PERMISSION_DENIED, NO_SPACE or IO (never a raw `EACCES` as the code); anything
 * else is INTERNAL, a bug worth reporting, with the original as its cause.
 */
export function typedError(err: unknown): TypedError {
  if (err instanceof StoreError || err instanceof CliError || err instanceof ProtocolError) return err;
  if (isOclifError(err)) return new CliError('USAGE', oneLine(err.message), {}, { cause: err });
  const fs = fsError(err, { action: 'cannot access' });
  if (fs instanceof StoreError) return fs;
  const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return new CliError('INTERNAL', oneLine(message) || 'unexpected error', {}, { cause: err });
}

/** oclif's own errors (flag and argument parsing) carry an `oclif` record with their exit status. */
function isOclifError(err: unknown): err is Error & { oclif: { exit?: number } } {
  return err instanceof Error && typeof (err as { oclif?: unknown }).oclif === 'object';
}

/** True for oclif's ExitError (thrown by `this.exit()`): it is how a command leaves, not a failure to report. */
export function isExitRequest(err: unknown): boolean {
  return isOclifError(err) && (err as { code?: string }).code === 'EEXIT';
}

/** Folds a multi-line message (oclif lists missing arguments on later lines) into one line. */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^See more help with/.test(l))
    .join(' ');
}
