import { fsError, StoreError } from '@osgit/store/worktree';
import { exitCodeFor, SUGGESTIONS, type ErrorCode } from '../exit-codes.js';

/** As OsgitCommand.catch: one error line (and hint), or the JSON error document with --json; returns the exit status. */
export function reportError(err: unknown, json: boolean, command: string): number {
  const e = typed(err);
  const exitCode = exitCodeFor(e.code);
  const hint = SUGGESTIONS[e.code]?.replace('COMMAND', command);
  if (json) {
    const { errno: _errno, ...data } = e.data;
    const doc = { error: { code: e.code, message: e.message, exitCode, ...(hint ? { hint } : {}), ...(Object.keys(data).length > 0 ? { data } : {}) } };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  }
  process.stderr.write(`osgit: error: ${e.message}\n`);
  if (hint && !json) process.stderr.write(`hint: ${hint}\n`);
  return exitCode;
}

function typed(err: unknown): { code: ErrorCode; message: string; data: Record<string, unknown> } {
  if (err instanceof StoreError) return err;
  const fs = fsError(err, { action: 'cannot access' });
  if (fs instanceof StoreError) return fs;
  const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return { code: 'INTERNAL', message: message.split('\n').join(' ') || 'unexpected error', data: {} };
}

/** JSON as the oclif commands print it (bigints as numbers when they fit). */
export function printJson(value: unknown): void {
  process.stdout.write(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? (Number(v) <= Number.MAX_SAFE_INTEGER ? Number(v) : v.toString()) : v), 2) + '\n',
  );
}
