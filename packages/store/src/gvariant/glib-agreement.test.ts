// Inputs that GLib 2.74's g_variant_is_normal_form() was asked about (random and mutated encodings, generated
// with python3-gi and pasted here): the reader must agree with it.
import { describe, it, expect } from 'vitest';
import { deserialize, serialize } from './index.js';

const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

const GLIB_NORMAL: Array<[type: string, hex: string]> = [
  ['aay', '410a010202'],
  ['(ty)', 'e04a2612000000005a00000000000000'],
  ['n', '938b'],
  ['ay', 'a7824a83da000000afa100c8'],
  ['q', '62ff'],
  ['g', '617b73767d00'],
  ['mas', 'f09f9880efbbbfefbbbf612f2f000e00'],
  ['(mumsmv)', 'cfb391e9000000000404'],
  ['u', 'a9a3c093'],
  ['b', '01'],
  ['an', '64474322'],
  ['a()', '00'],
  ['o', '2f6100'],
  ['(ayay)', '0043000000009c001374000800004b49000042b2858ad718db0000'],
  ['d', '0000a07d928feb3f'],
  ['ma{hb}', '00'],
  ['amo', '2f6100002f6100002f6100002f61000004080c10'],
  ['mv', '00616d7900'],
  ['(())', '00'],
  ['((o))', '2f00'],
  ['(uy)', '03e12d4803000000'],
  ['a(yyy)', '9f2377'],
  ['y', '00'],
  ['aab', '0000'],
  ['s', '2d00'],
  ['maa{sv}', '00'],
  ['v', 'd267e2efffffffff0078'],
  ['x', '6bfd501c00000000'],
  ['mmu', '00'],
  ['(yv)', '15000000000000002f6100006f'],
];

const GLIB_NOT_NORMAL: Array<[type: string, hex: string]> = [
  ['maa{sv}', '9a00008200314b0000ce25ba0000'],
  ['av', '016c5b0000ac01006b00006e62957900978c2517'],
  ['au', '410584977fef1cd557c738ac99e6b8'],
  ['a(st)', '0000003d00478300004c4500009900f092bd8b005db3ef'],
  ['as', 'a8000000004d007601009b00a20002d2000075c0ea0036db0095'],
  ['a(yyy)', '7a0c033800'],
  ['mv', '607b7376'],
  ['(mb(xq)mn)', '72002ccbb378b4100000005d0052000000f8f300007c'],
  ['mas', '20'],
  ['g', '617b767d00'],
  ['(t)', '00005c83085afd8500003c00a600f900ccff0800c2b600fc'],
  ['y', '6582000000dfa400b2001cf73a5ffc0000500000'],
  ['o', '6100'],
  ['b', '8dc9300066'],
  ['mms', 'ea'],
  ['amx', 'b9727c32000000009bca901e00000000085010'],
  ['(sy)', 'f09f9880f09f98802ff09f988000cb52'],
  ['i', '606e'],
  ['(mumsmv)', 'f09f9880efbbbfc3a9efbbbf61c3a9c3a9'],
  ['u', 'a48ce48b2d'],
  ['n', 'de1300'],
  ['(ays)', 'bbbf2fefbbbf61f09f818000'],
  ['ax', '8c895b000002720090810094127e0000f0978800f6ea4d4d6b00003ede00'],
  ['a{sv}', '3e7ca7e3'],
  ['(a(say)a(sayay))', '0000'],
  ['(yv)', '630000000000ef00000100616d616d67'],
  ['()', '40'],
  ['mx', '8e0057170f1cd05100'],
  ['aay', 'f0'],
  ['a{o()}', '0062dd7f00f0b3d20043426b0035820000070037000012'],
  ['(uuuusa(ayay))', '2d2a933c431c3d723ffc6161f09f98800017'],
  ['a{oa{g()}}', '00'],
  ['h', 'c7'],
  ['ms', '00d6e9000000272c00000b0fca2cd23e00000064'],
  ['aa()', 'ffff'],
  ['(ty)', '0000000020'],
  ['s', '00006f24118d209d19834545da00eb0000c30000000045ee000000bf'],
  ['ai', 'b2a8ba3064'],
  ['a((a{dh}))', '00ff10'],
  ['a{tmi}', 'de00'],
];

describe('agreement with GLib', () => {
  it.each(GLIB_NORMAL)('accepts %s %s, as GLib does, and writes it back identically', (type, hex) => {
    const value = deserialize(type, bytes(hex));
    expect(Buffer.from(serialize(type, value)).toString('hex')).toBe(hex);
  });

  it.each(GLIB_NOT_NORMAL)('rejects %s %s, as GLib does', (type, hex) => {
    expect(() => deserialize(type, bytes(hex))).toThrow(expect.objectContaining({ code: 'GVARIANT_NOT_NORMAL' }));
  });

  it('rejects a 0-byte tuple that needs framing offsets, which GLib alone lets through', () => {
    // GLib infers offset size 0 for 0 bytes and so calls '' a normal (a(say)a(sayay)), yet it writes
    // the empty dirtree as '00'. Two encodings of one value would give one tree two checksums.
    for (const type of ['(a(say)a(sayay))', '(ayay)', '(mumsmv)', 'm(m(u)a{sy})']) {
      const data = type.startsWith('m') ? bytes('00') : bytes('');
      expect(() => deserialize(type, data)).toThrow(expect.objectContaining({ code: 'GVARIANT_NOT_NORMAL' }));
    }
  });
});
