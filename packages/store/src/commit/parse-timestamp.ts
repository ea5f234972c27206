import { StoreError } from '../errors.js';

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses `--timestamp`: `@EPOCH`, or an ISO 8601 / `YYYY-MM-DD HH:MM:SS [UTC|Z|±HH:MM]` date
 * (a date without a zone is UTC, so builds are reproducible wherever they run). Impossible
 * dates (month 13, 30 February, 24:00, zone +25:00) are refused, as GNU date refuses them.
 */
export function parseTimestamp(text: string): bigint {
  const t = text.trim();
  if (/^@-?\d+$/.test(t)) return checkTimestampRange(BigInt(t.slice(1)), text);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (!m) throw bad(text, 'use @EPOCH or ISO 8601 like 2020-01-01T00:00:00Z');
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((v) => Number(v ?? '0')) as [number, number, number, number, number, number];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = mo === 2 && leap ? 29 : DAYS[mo - 1];
  if (days === undefined || d < 1 || d > days) throw bad(text, 'no such date');
  if (h > 23 || mi > 59 || s > 59) throw bad(text, 'no such time of day');
  let offsetMin = 0;
  const zone = m[7];
  if (zone && /^[+-]/.test(zone)) {
    const z = zone.replace(':', '');
    const zh = Number(z.slice(1, 3));
    const zm = Number(z.slice(3, 5));
    if (zh > 24 || zm > 59) throw bad(text, 'no such time zone offset');
    offsetMin = (zh * 60 + zm) * (z[0] === '-' ? -1 : 1);
  }
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it maps years 0-99 to 1900-1999
  date.setUTCHours(h, mi, s, 0);
  return BigInt(Math.floor(date.getTime() / 1000) - offsetMin * 60);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A commit time must be a time_t: ostree parses --timestamp into one (refusing @2^63 and
 * beyond) and stores it as a uint64, which readers take back as signed.
 */
export function checkTimestampRange(seconds: bigint, text: string = `@${seconds}`): bigint {
  if (seconds < INT64_MIN || seconds > INT64_MAX) throw bad(text, 'out of the signed 64-bit range of seconds');
  return seconds;
}

function bad(text: string, why: string): StoreError {
  return new StoreError('INVALID_ARGUMENT', `cannot parse timestamp ${JSON.stringify(text)}: ${why}`, { value: text });
}

/** The commit time when none is given: SOURCE_DATE_EPOCH if set (as ostree does), else now. */
export function defaultTimestamp(): bigint {
  const sde = process.env.SOURCE_DATE_EPOCH;
  if (sde && /^\d+$/.test(sde)) return BigInt(sde);
  return BigInt(Math.floor(Date.now() / 1000));
}
