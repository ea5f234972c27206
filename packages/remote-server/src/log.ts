/** One line per request, as the server logs it (JSON on stderr by default). */
export interface RequestLogLine {
  time: string;
  method: string;
  path: string;
  status: number;
  /** Response body bytes actually written (less than Content-Length when the client went away). */
  bytes: number;
  ms: number;
  remote: string;
  /** Why a request was answered as it was, when the status alone does not say (a refused path, a bare repo). */
  note?: string;
}

/** Where the server reports: a line per request, and the detail of failures clients only see as a generic 500. */
export interface ServerLog {
  request(line: RequestLogLine): void;
  error(err: unknown, context: { method: string; path: string }): void;
}

/** JSON lines on stderr; `quiet` drops the per-request lines but still reports failures. */
export function stderrLog(opts: { quiet?: boolean } = {}): ServerLog {
  return {
    request(line) {
      if (!opts.quiet) process.stderr.write(JSON.stringify(line) + '\n');
    },
    error(err, context) {
      const e = err instanceof Error ? err : new Error(String(err));
      const code = (err as { code?: unknown }).code;
      process.stderr.write(
        JSON.stringify({ time: new Date().toISOString(), level: 'error', ...context, code: typeof code === 'string' ? code : undefined, message: e.message, stack: e.stack }) + '\n',
      );
    },
  };
}

/** A log that keeps nothing (library use and tests that do not look at it). */
export const silentLog: ServerLog = { request() {}, error() {} };
