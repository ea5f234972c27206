/**
 * `osgit serve` for tests: the real CLI (`osgit serve --port 0 --json`) as a child process on
 * 127.0.0.1, its URL read from the one JSON line it prints once listening.
 */
import { OSGIT_BIN, start, type RunResult, type Started } from './tools.js';

export type ServeTarget = { repo: string } | { root: string };

export interface Served {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  child: Started;
  /** Sends SIGTERM (or `signal`) and resolves with the exit status and output once it exited. */
  stop(signal?: NodeJS.Signals): Promise<RunResult>;
  /** The request log lines printed so far (JSON on stderr), parsed. */
  logs(): Array<Record<string, unknown>>;
  /** Everything printed on stderr so far. */
  stderr(): string;
  /**
   * The first request log line that `match` accepts, once the server has printed it (the line is
   * written when the response is over, and reaches this process through a pipe a moment later).
   */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** Starts `osgit serve` for `target`; rejects with its stderr if it exits before listening. */
export async function startServe(target: ServeTarget, extraArgs: readonly string[] = []): Promise<Served> {
  const where = 'repo' in target ? ['--repo', target.repo] : ['--root', target.root];
  const args = ['serve', ...where, '--port', '0', '--json', ...extraArgs];
  const child = start(process.execPath, [OSGIT_BIN, ...args], { env: { NO_COLOR: '1', FORCE_COLOR: '0', OSGIT_REPO: undefined } });
  let stdout = '';
  let stderr = '';
  child.child.stdout!.on('data', (d: string) => (stdout += d));
  child.child.stderr!.on('data', (d: string) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined || !stdout.includes('\n')) return;
      child.child.stdout!.off('data', onData);
      resolve((JSON.parse(line) as { url: string }).url);
    };
    child.child.stdout!.on('data', onData);
    void child.done.then((r) => reject(new Error(`osgit ${args.join(' ')} exited (${r.code}) before listening:\n${r.stderr}`)));
  });
  let stopped: Promise<RunResult> | undefined;
  return {
    url,
    child,
    stop(signal = 'SIGTERM') {
      if (!stopped) {
        child.child.kill(signal);
        stopped = child.done;
      }
      return stopped;
    },
    logs: () => parseLines(stderr),
    stderr: () => stderr,
    async waitForLog(match) {
      for (;;) {
        const line = parseLines(stderr).find(match);
        if (line) return line;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

function parseLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
