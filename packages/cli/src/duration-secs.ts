import { CliError } from './errors.js';

const UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** `90`, `90s`, `30m`, `12h`, `3d`, `1w` to whole seconds (> 0); USAGE for anything else. */
export function parseDurationSecs(text: string, flag: string): number {
  const m = /^(\d+)\s*([smhdw]?)$/.exec(text.trim());
  const secs = m ? Number(m[1]) * UNITS[m[2]!]! : NaN;
  if (!Number.isSafeInteger(secs) || secs <= 0) {
    throw new CliError('USAGE', `${flag} ${text}: not a duration (examples: 3600, 90m, 12h, 3d, 1w)`);
  }
  return secs;
}
