import cliProgress from 'cli-progress';

/** A progress line on stderr while long work runs; silent unless stderr is a terminal. */
export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export function createProgress(opts: { label: string; total?: number; unit: string; enabled: boolean }): Progress {
  if (!opts.enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const format = opts.total
    ? `${opts.label} [{bar}] {percentage}% {value}/{total} ${opts.unit}`
    : `${opts.label} {value} ${opts.unit} {detail}`;
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 10, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(opts.total ?? 0, 0, { detail: '' });
  return {
    update: (value, payload) => bar.update(value, payload ?? {}),
    stop: () => bar.stop(),
  };
}
