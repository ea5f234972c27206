import { StoreError } from '../errors.js';
import { parseTimestamp } from '../commit/parse-timestamp.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  second: 1, sec: 1, minute: 60, min: 60, hour: 3600, day: 86400, week: 7 * 86400, fortnight: 14 * 86400,
  month: 30 * 86400, year: 365 * 86400,
};

/**
 * The date of `--keep-younger-than`, in seconds since the epoch: what `--timestamp` takes
 * (`@EPOCH`, ISO 8601; no zone = UTC), or a relative `N UNIT[s] ago` as ostree's parse_datetime
 * reads it (seconds to years; a month is 30 days, a year 365). INVALID_ARGUMENT otherwise.
 */
export function parsePruneDate(text: string, nowMs = Date.now()): bigint {
  const rel = /^\s*(\d+)\s*([a-z]+?)s?\s+ago\s*$/i.exec(text);
  if (rel) {
    const unit = UNIT_SECONDS[rel[2]!.toLowerCase()];
    if (unit === undefined) throw bad(text);
    return BigInt(Math.floor(nowMs / 1000) - Number(rel[1]) * unit);
  }
  try {
    return parseTimestamp(text);
  } catch (cause) {
    throw bad(text, cause);
  }
}

function bad(text: string, cause?: unknown): StoreError {
  return new StoreError('INVALID_ARGUMENT', `cannot read the date ${JSON.stringify(text)}: use @EPOCH, ISO 8601 (2024-01-01T00:00:00Z) or "N days ago"`, { date: text }, { cause });
}
