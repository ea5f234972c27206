import { ProtocolError } from '../errors.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * A token's expiry from the command line, in Unix seconds: a duration from `now` ('90s', '30m',
 * '1h', '7d', '2w') or an ISO 8601 date-time with a zone ('2026-12-31T00:00Z'). Refuses a time
 * in the past: such a token could never be used.
 */
export function parseExpiry(text: string, now = Date.now() / 1000): number {
  const duration = /^(\d+)([smhdw])$/.exec(text.trim());
  let exp: number;
  if (duration) {
    exp = Math.floor(now) + Number(duration[1]) * UNIT_SECONDS[duration[2]!]!;
  } else {
    // Only absolute times with an explicit zone: a bare date would depend on the machine's zone.
    if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text.trim()) && !/^\d{4}-\d{2}-\d{2}$/.test(text.trim())) {
      throw new ProtocolError('TOKEN_INVALID', `expiry ${JSON.stringify(text)}: use a duration (30m, 1h, 7d, 2w) or an ISO date-time with a zone (2026-12-31T00:00Z)`, { expires: text });
    }
    const ms = Date.parse(text.trim());
    if (Number.isNaN(ms)) throw new ProtocolError('TOKEN_INVALID', `expiry ${JSON.stringify(text)} is not a valid date`, { expires: text });
    exp = Math.floor(ms / 1000);
  }
  if (!Number.isSafeInteger(exp) || exp <= now) {
    throw new ProtocolError('TOKEN_INVALID', `expiry ${JSON.stringify(text)} is not in the future`, { expires: text });
  }
  return exp;
}
