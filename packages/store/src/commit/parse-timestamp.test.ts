// --timestamp is read like `ostree commit --timestamp` (gnulib parse_datetime) for the forms osgit
// documents, with a zone-less date taken as UTC. Expected values were computed once with GNU date:
//   TZ=UTC date -d '<text>' +%s
// and are written in, so the test needs no tool and the reference is visible.
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { defaultTimestamp, parseTimestamp } from './parse-timestamp.js';

const GNU_DATE: Array<[text: string, seconds: bigint]> = [
  ['@0', 0n],
  ['@1700000000', 1700000000n],
  ['@-1', -1n],
  ['2020-01-01', 1577836800n],
  ['2020-01-01T00:00:00Z', 1577836800n],
  ['2020-01-01 00:00:00 UTC', 1577836800n],
  ['2020-01-01 12:34:56 utc', 1577882096n],
  ['2020-01-01 12:34:56', 1577882096n],
  ['2020-01-01T12:34:56', 1577882096n],
  ['2020-01-01T12:34', 1577882040n],
  ['2020-01-01T12:34:56.789Z', 1577882096n],
  ['2020-01-01T12:34:56+02:00', 1577874896n],
  ['2020-01-01T12:34:56+0200', 1577874896n],
  ['2020-01-01T12:34:56 +02:00', 1577874896n],
  ['2020-01-01T12:34:56-05:30', 1577901896n],
  ['2020-01-01 12:34:56 +01:00', 1577878496n],
  ['2024-02-29T23:59:59Z', 1709251199n],
  ['1969-12-31T23:59:59Z', -1n],
  ['1970-01-01T00:00:00+14:00', -50400n],
  ['2038-01-19T03:14:08Z', 2147483648n],
  ['2106-02-07T06:28:16Z', 4294967296n],
  ['9999-12-31T23:59:59Z', 253402300799n],
  ['0001-01-01T00:00:00Z', -62135596800n],
  ['0099-01-01', -59042995200n],
];

// GNU date says "invalid date" for each of these.
const INVALID_FOR_GNU_DATE = [
  '2020-13-01',
  '2020-00-10',
  '2020-02-30',
  '2021-02-29',
  '2020-04-31',
  '2020-01-01T24:00:00',
  '2020-01-01T23:60:00',
  '2020-01-01T12:34:61',
  '2020-01-01T12:00:00+25:00',
  '@',
];

// Forms osgit does not read (GNU date reads some of them, relative to now: not reproducible).
const GARBAGE = ['', '   ', 'yesterday', 'now', 'next tuesday', '2020', '2020-01', '01/02/2020', '2020-01-01T', '2020-01-01 12', '@1.5', '@ 5', '1577836800', '2020-01-01T00:00:00 CET', '2020-01-01T00:00:00Zjunk'];

function expectInvalid(text: string): void {
  let caught: unknown;
  try {
    const v = parseTimestamp(text);
    caught = `accepted as ${v}`;
  } catch (err) {
    caught = err;
  }
  expect(caught, `${JSON.stringify(text)} should be refused`).toBeInstanceOf(StoreError);
  const err = caught as StoreError;
  expect(err.code).toBe('INVALID_ARGUMENT');
  expect(err.message).not.toContain('\n');
  expect(err.message).toContain(JSON.stringify(text));
}

describe('parseTimestamp', () => {
  for (const [text, seconds] of GNU_DATE) {
    it(`reads ${JSON.stringify(text)} as ${seconds}, as GNU date does`, () => {
      expect(parseTimestamp(text)).toBe(seconds);
    });
  }

  it('ignores spaces around the text', () => {
    expect(parseTimestamp('  @42 ')).toBe(42n);
    expect(parseTimestamp('\t2020-01-01\n')).toBe(1577836800n);
  });

  it('reads epochs beyond 2^53 exactly, to the ends of the int64 range', () => {
    expect(parseTimestamp('@9223372036854775807')).toBe(9223372036854775807n);
    expect(parseTimestamp('@-9223372036854775808')).toBe(-9223372036854775808n);
  });

  // `ostree commit --timestamp` answers "Could not parse" for these: a time_t cannot hold them.
  for (const text of ['@9223372036854775808', '@-9223372036854775809', '@18446744073709551615']) {
    it(`refuses ${text}, past the int64 range, with INVALID_ARGUMENT as ostree refuses it`, () => expectInvalid(text));
  }

  for (const text of INVALID_FOR_GNU_DATE) {
    it(`refuses ${JSON.stringify(text)} with INVALID_ARGUMENT instead of rolling it over`, () => expectInvalid(text));
  }

  for (const text of GARBAGE) {
    it(`refuses ${JSON.stringify(text)} with INVALID_ARGUMENT`, () => expectInvalid(text));
  }
});

describe('defaultTimestamp', () => {
  const saved = process.env.SOURCE_DATE_EPOCH;
  afterEach(() => {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  });

  it('is SOURCE_DATE_EPOCH when set, as in ostree', () => {
    process.env.SOURCE_DATE_EPOCH = '1577836800';
    expect(defaultTimestamp()).toBe(1577836800n);
  });

  it('is now when SOURCE_DATE_EPOCH is unset or not a number', () => {
    for (const value of [undefined, 'soon']) {
      if (value === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = value;
      const before = BigInt(Math.floor(Date.now() / 1000));
      const t = defaultTimestamp();
      expect(t >= before && t <= before + 2n).toBe(true);
    }
  });
});
