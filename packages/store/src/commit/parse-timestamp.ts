import { StoreError } from '../errors.js';

/**
 * Parses `--timestamp`: `@EPOCH`, or an ISO 8601 / `YYYY-MM-DD HH:MM:SS [UTC|Z|±HH:MM]` date
 * (a date without a zone is UTC, so builds are reproducible wherever they run).
 */
export function parseTimestamp(text: string): bigint {
  const t = text.trim();
  if (/^@-?\d+$/.test(t)) return BigInt(t.slice(1));
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (!m) {
    throw new StoreError('INVALID_ARGUMENT', `cannot parse timestamp ${JSON.stringify(text)} (use @EPOCH or ISO 8601 like 2020-01-01T00:00:00Z)`, { value: text });
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone && /^[+-]/.test(zone)) {
    const z = zone.replace(':', '');
    const offset = (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * (z[0] === '-' ? -1 : 1);
    ms -= offset * 60_000;
  }
  if (Number.isNaN(ms)) throw new StoreError('INVALID_ARGUMENT', `invalid date ${JSON.stringify(text)}`, { value: text });
  return BigInt(Math.floor(ms / 1000));
}

/** The commit time when none is given: SOURCE_DATE_EPOCH if set (as ostree does), else now. */
export function defaultTimestamp(): bigint {
  const sde = process.env.SOURCE_DATE_EPOCH;
  if (sde && /^\d+$/.test(sde)) return BigInt(sde);
  return BigInt(Math.floor(Date.now() / 1000));
}
