import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import {
  parseFetchPlanRequest, parseFetchPlanResponse, parsePackRequest, parseRefsResponse, writeFetchPlanRequest,
  writeFetchPlanResponse, writePackRequest,
} from './index.js';
import { thrownCode } from '../test-support/thrown-code.js';

const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);
const raw = (v: unknown) => new Packr({ useRecords: false }).pack(v);

describe('smart fetch bodies', () => {
  it('round-trip a plan request', () => {
    const req = { want: [A], have: [B], depth: -1, commitMetadataOnly: true };
    expect(parseFetchPlanRequest(writeFetchPlanRequest(req))).toEqual(req);
  });

  it('encode the plan request with 32-byte binary checksums (hand-computed bytes)', () => {
    // fixmap(4): 'want' [bin32 A], 'have' [], 'depth' 0, 'commitMetadataOnly' false
    const expected = '84' + 'a477616e74' + '91c420' + A + 'a468617665' + '90' + 'a56465707468' + '00'
      + 'b2' + Buffer.from('commitMetadataOnly').toString('hex') + 'c2';
    expect(writeFetchPlanRequest({ want: [A], have: [], depth: 0, commitMetadataOnly: false }).toString('hex')).toBe(expected);
  });

  it('round-trip a plan response, totals included', () => {
    const plan = { objects: [{ type: 'commit' as const, checksum: A, size: 300 }, { type: 'file' as const, checksum: B, size: 5 }], totals: { objects: 2, bytes: 305 } };
    expect(parseFetchPlanResponse(writeFetchPlanResponse(plan))).toEqual(plan);
  });

  it('round-trip a pack request', () => {
    const objects = [{ type: 'dirtree' as const, checksum: A }, { type: 'commitmeta' as const, checksum: B }];
    expect(parsePackRequest(writePackRequest(objects))).toEqual(objects);
  });

  it.each([
    ['garbage', Buffer.from('c1', 'hex'), 'BAD_RESPONSE'],
    ['a list', raw([1, 2]), 'BAD_RESPONSE'],
    ['no want', raw({ want: [], have: [] }), 'BAD_RESPONSE'],
    ['a hex want', raw({ want: [A] }), 'BAD_RESPONSE'],
    ['a 31-byte have', raw({ want: [Buffer.alloc(32)], have: [Buffer.alloc(31)] }), 'BAD_RESPONSE'],
    ['depth -2', raw({ want: [Buffer.alloc(32)], depth: -2 }), 'BAD_RESPONSE'],
    ['depth 1.5', raw({ want: [Buffer.alloc(32)], depth: 1.5 }), 'BAD_RESPONSE'],
    ['commitMetadataOnly "yes"', raw({ want: [Buffer.alloc(32)], commitMetadataOnly: 'yes' }), 'BAD_RESPONSE'],
    ['too many haves', raw({ want: [Buffer.alloc(32)], have: Array.from({ length: 5000 }, () => Buffer.alloc(32)) }), 'TOO_LARGE'],
  ])('refuse a plan request that is %s', (_name, body, code) => {
    expect(thrownCode(() => parseFetchPlanRequest(body))).toBe(code);
  });

  it.each([
    ['an unknown type', raw({ objects: [[7, Buffer.alloc(32)]] }), 'BAD_RESPONSE'],
    ['a short entry', raw({ objects: [[1]] }), 'BAD_RESPONSE'],
    ['no list', raw({ objects: 3 }), 'BAD_RESPONSE'],
    ['over the limit', raw({ objects: [[1, Buffer.alloc(32)], [1, Buffer.alloc(32)]] }), 'TOO_LARGE'],
  ])('refuse a pack request with %s', (_name, body, code) => {
    expect(thrownCode(() => parsePackRequest(body, 1))).toBe(code);
  });

  it.each([
    ['totals that do not add up', raw({ objects: [[4, Buffer.alloc(32), 10]], totals: { objects: 1, bytes: 11 } })],
    ['a negative size', raw({ objects: [[4, Buffer.alloc(32), -1]], totals: { objects: 1, bytes: -1 } })],
    ['no totals', raw({ objects: [] })],
  ])('refuse a plan response with %s', (_name, body) => {
    expect(thrownCode(() => parseFetchPlanResponse(body))).toBe('BAD_RESPONSE');
  });

  it('read refs and refuse a ref name with .. or a value that is not a checksum', () => {
    expect(parseRefsResponse(JSON.stringify({ refs: { 'os/x86_64/stable': A } }))).toEqual(new Map([['os/x86_64/stable', A]]));
    expect(thrownCode(() => parseRefsResponse(JSON.stringify({ refs: { '../x': A } })))).toBe('BAD_RESPONSE');
    expect(thrownCode(() => parseRefsResponse(JSON.stringify({ refs: { main: 'zz' } })))).toBe('BAD_RESPONSE');
    expect(thrownCode(() => parseRefsResponse('<html>'))).toBe('BAD_RESPONSE');
  });
});
