import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';

/** A progress line on stderr while long work runs; silent unless stderr is a terminal. */
export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  /** Clears the line from the terminal; later calls (and updates) do nothing. */
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total?: number;
  unit: string;
  enabled: boolean;
  /** where the bar is drawn (default process.stderr); it is drawn only on a terminal */
  stream?: NodeJS.WriteStream;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  if (!opts.enabled || !stream.isTTY) return { update() {}, stop() {} };
  const format = opts.total
    ? `${opts.label} [{bar}] {percentage}% {value}/{total} ${opts.unit}`
    : `${opts.label} {value} ${opts.unit} {detail}`;
  // The bar library is loaded only when a bar is drawn: scripts, pipes and small commands never
  // draw one, and loading it cost every command's start-up.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const bar = new cliProgress.SingleBar(
    { format, stream, hideCursor: true, clearOnComplete: true, fps: 10, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(opts.total ?? 0, 0, { detail: '' });
  let running = true;
  return {
    update: (value, payload) => {
      if (running) bar.update(value, payload ?? {});
    },
    stop: () => {
      if (!running) return;
      running = false;
      bar.stop();
    },
  };
}
