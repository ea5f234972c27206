// The GLib-generated vectors of reference/ostree-formats.md §3.1 (and §8), both ways.
import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { bswap32, bswap64, deserialize, serialize, type GValue, type GVariantBox } from './index.js';

/** Bytes from hex strings (spaces ignored) and byte runs. */
function bytes(...parts: Array<string | Uint8Array>): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? Uint8Array.from(Buffer.from(p.replace(/\s+/g, ''), 'hex')) : p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const run = (n: number, byte: number): Uint8Array => new Uint8Array(n).fill(byte);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const box = (type: string, value: GValue): GVariantBox => ({ type, value });

const C1 = run(32, 0x11);
const C2 = run(32, 0x22);
const C3 = run(32, 0x33);
const XA = [
  [utf8('user.a\0'), utf8('1')],
  [utf8('user.b\0'), utf8('xy')],
];

interface Vector {
  label: string;
  type: string;
  value: GValue;
  encoded: Uint8Array;
}
const v = (label: string, type: string, value: GValue, ...encoded: Array<string | Uint8Array>): Vector => ({
  label,
  type,
  value,
  encoded: bytes(...encoded),
});

const basic: Vector[] = [
  v('byte', 'y', 0x41, '41'),
  v('bool-true', 'b', true, '01'),
  v('int16', 'n', -2, 'feff'),
  v('uint16', 'q', 0x1234, '3412'),
  v('int32', 'i', -1, 'ffffffff'),
  v('uint32 host-order 1', 'u', 1, '01000000'),
  v('uint32 ostree-BE 0o40755', 'u', bswap32(0o40755), '000041ed'),
  v('uint64 ostree-BE 1577836800', 't', bswap64(1577836800n), '000000005e0be100'),
  v('double', 'd', 1.5, '000000000000f83f'),
  v('string empty', 's', '', '00'),
  v('string', 's', 'test/main', '746573742f6d61696e00'),
  v('objpath', 'o', '/a', '2f6100'),
  v('signature', 'g', 'a{sv}', '617b73767d00'),
  v('variant u', 'v', box('u', 1), '010000000075'),
  v('variant s', 'v', box('s', 'hi'), '6869000073'),
  v('variant as', 'v', box('as', ['test/main']), '746573742f6d61696e000a006173'),
  v('ay empty', 'ay', new Uint8Array(0)),
  v('ay', 'ay', bytes('010203'), '010203'),
  v('as empty', 'as', []),
  v('as', 'as', ['a', 'bc', ''], '610062630000020506'),
  v('aay', 'aay', [bytes('01'), bytes(''), bytes('0203')], '010203010103'),
  v('au', 'au', [1, 2], '0100000002000000'),
  v('maybe-u Nothing', 'mu', null),
  v('maybe-u Just', 'mu', 7, '07000000'),
  v('maybe-s Nothing', 'ms', null),
  v('maybe-s Just', 'ms', 'x', '780000'),
  v('unit tuple', '()', [], '00'),
  v('(uy) padded', '(uy)', [1, 2], '0100000002000000'),
  v('(yu) aligned', '(yu)', [1, 2], '0100000002000000'),
  v('(ty)', '(ty)', [1n, 2], '01000000000000000200000000000000'),
  v('(sy) var-then-fixed', '(sy)', ['ab', 3], '6162000303'),
  v('(ss) two var', '(ss)', ['ab', 'c'], '616200630003'),
  v('(ays) two var', '(ays)', [new Uint8Array(0), 'c'], '630000'),
  v('a{sv} empty', 'a{sv}', []),
  v('a{sv} one', 'a{sv}', [['version', box('s', '1.0')]], '76657273696f6e00312e30000073080f'),
  v('a{sv} two', 'a{sv}', [['a', box('u', 1)], ['b', box('b', true)]],
    '610000000000000001000000007502006200000000000000010062020f1c'),
  v('a(su) (object names)', 'a(su)', [['ab', 1], ['c', 4]], '6162000001000000030000006300000004000000020915'),
  v('dict entry {sv}', '{sv}', ['k', box('y', 0x6c)], '6b000000000000006c007902'),
  v('as 2-byte offsets', 'as', ['x'.repeat(254)], run(254, 0x78), '00ff00'),
];

const objects: Vector[] = [
  v('dirmeta root 0755 no-xattrs', '(uuua(ayay))', [0, 0, bswap32(0o40755), []], '0000000000000000000041ed'),
  v('dirmeta uid1000 with xattrs', '(uuua(ayay))', [bswap32(1000), bswap32(1000), bswap32(0o40700), XA],
    '000003e8000003e8000041c0757365722e61003107757365722e62007879070913'),
  v('bare-user user.ostreemeta regular 0644', '(uuua(ayay))', [0, 0, bswap32(0o100644), []], '0000000000000000000081a4'),
  v('bare-user user.ostreemeta symlink', '(uuua(ayay))', [0, 0, bswap32(0o120777), []], '00000000000000000000a1ff'),
  v('file header regular 0644', '(uuuusa(ayay))', [0, 0, bswap32(0o100644), 0, '', []], '0000000000000000000081a4000000000011'),
  v('file header symlink -> hello.txt', '(uuuusa(ayay))', [0, 0, bswap32(0o120777), 0, 'hello.txt', []],
    '00000000000000000000a1ff0000000068656c6c6f2e747874001a'),
  v('file header with xattrs', '(uuuusa(ayay))', [0, 0, bswap32(0o100755), 0, '', XA],
    '0000000000000000000081ed0000000000757365722e61003107757365722e6200787907091311'),
  v('archive (filez) header size=12', '(tuuuusa(ayay))', [bswap64(12n), 0, 0, bswap32(0o100644), 0, '', []],
    '000000000000000c0000000000000000000081a4000000000019'),
  v('archive (filez) header symlink', '(tuuuusa(ayay))', [0n, 0, 0, bswap32(0o120777), 0, 'hello.txt', []],
    '000000000000000000000000000000000000a1ff0000000068656c6c6f2e7478740022'),
  v('dirtree empty', '(a(say)a(sayay))', [[], []], '00'),
  v('dirtree 1 file', '(a(say)a(sayay))', [[['a', C1]], []], '6100', C1, '022324'),
  v('dirtree 2 files 1 dir', '(a(say)a(sayay))', [[['a', C1], ['b', C2]], [['d', C3, C1]]],
    '6100', C1, '026200', C2, '0223466400', C3, C1, '22024448'),
  v('commit minimal', '(a{sv}aya(say)sstayay)', [[], new Uint8Array(0), [], '', '', 0n, C1, C2],
    '00000000000000000000000000000000', C1, C2, '300201000000'),
  v('commit full', '(a{sv}aya(say)sstayay)',
    [[['version', box('s', '1')], ['ostree.ref-binding', box('as', ['test/main'])]], C3, [], 'Subject', 'Body',
      bswap64(1577836800n), C1, C2],
    '76657273696f6e0031000073080000006f73747265652e7265662d62696e64696e67000000000000746573742f6d61696e000a006173130d37',
    C3, '5375626a65637400426f6479000000000000005e0be100', C1, C2, '906661595939'),
  v('commitmeta (detached) gpgsigs', 'a{sv}', [['ostree.gpgsigs', box('aay', [bytes('8901')])]],
    '6f73747265652e677067736967730000890102006161790f18'),
  v('commitmeta ed25519', 'a{sv}', [['ostree.sign.ed25519', box('aay', [Uint8Array.from({ length: 64 }, (_, i) => i)])]],
    '6f73747265652e7369676e2e656432353531390000000000', Uint8Array.from({ length: 64 }, (_, i) => i), '4000616179145e'),
  v('summary.sig', 'a{sv}', [['ostree.gpgsigs', box('aay', [utf8('SIG')])]], '6f73747265652e67706773696773000053494703006161790f19'),
  v('summary', '(a(s(taya{sv}))a{sv})',
    [
      [['test/main', [134n, C1, [['ostree.commit.timestamp', box('t', bswap64(1577836800n))]]]]],
      [
        ['ostree.summary.mode', box('s', 'archive-z2')],
        ['ostree.summary.last-modified', box('t', bswap64(1600000000n))],
        ['ostree.summary.tombstone-commits', box('b', false)],
        ['ostree.summary.indexed-deltas', box('b', true)],
        ['ostree.static-deltas', box('a{sv}', [['1111-2222', box('ay', C2)]])],
      ],
    ],
    '746573742f6d61696e000000000000008600000000000000', C1,
    '6f73747265652e636f6d6d69742e74696d657374616d7000000000005e0be10000741823280a5e006f73747265652e73756d6d6172792e6d6f6465' +
      '0000000000617263686976652d7a320000731400006f73747265652e73756d6d6172792e6c6173742d6d6f64696669656400000000000000005f' +
      '5e100000741d00000000006f73747265652e73756d6d6172792e746f6d6273746f6e652d636f6d6d697473000000000000000000006221000000' +
      '006f73747265652e73756d6d6172792e696e64657865642d64656c7461730000000100621e000000006f73747265652e7374617469632d64656c' +
      '74617300000000313131312d3232323200000000000000',
    C2, '0061790a3400617b73767d15260053008400ac0004015f00'),
  v('delta meta entry', '(uayttay)', [0, C1, 389n, 282n, bytes('02', C2)],
    '00000000', C1, '0000000085010000000000001a0100000000000002', C2, '24'),
  v('delta fallback', '(yaytt)', [1, C1, 100n, 200n], '01', C1, '000000000000006400000000000000c80000000000000021'),
  v('delta part payload', '(a(uuu)aa(ayay)ayay)', [[[0, 0, bswap32(0o100644)]], [[]], utf8('payload'), bytes('530700')],
    '0000000000000000000081a4007061796c6f6164530700140d0c'),
  v('delta part file (yay)', '(yay)', [0x78, bytes('fd377a585a00')], '78fd377a585a00'),
  v('delta superblock', '(a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))',
    [
      [['ostree.endianness', box('y', 0x6c)]], bswap64(1600000000n), C1, C2,
      [[], new Uint8Array(0), [], '', '', 0n, C1, C2], new Uint8Array(0), [[0, C3, 389n, 282n, bytes('02', C2)]], [],
    ],
    '6f73747265652e656e6469616e6e657373000000000000006c0079121c000000000000005f5e1000', C1, C2,
    '00000000000000000000000000000000', C1, C2, '300201000000000000000000', C3,
    '0000000085010000000000001a0100000000000002', C2, '245a00000000001b01be00be00680048001d00'),
  v('signed delta superblock', '(taya{sv})',
    [bswap64(0x4f535453474e4454n), utf8('SB'), [['ostree.sign.ed25519', box('aay', [run(64, 0)])]]],
    '4f535453474e445453420000000000006f73747265652e7369676e2e65643235353139', run(64, 0), '00000000004000616179145e0a'),
  v('object name (su)', '(su)', ['1'.repeat(64), 4], run(64, 0x31), '000000000400000041'),
];

describe.each([
  ['basic types', basic],
  ['ostree objects', objects],
])('GLib vectors: %s', (_, vectors) => {
  it.each(vectors.map((x) => [x.label, x] as const))('serializes %s exactly as GLib does', (_, x) => {
    expect(hex(serialize(x.type, x.value))).toBe(hex(x.encoded));
  });
  it.each(vectors.map((x) => [x.label, x] as const))('reads %s back to the same value and bytes', (_, x) => {
    const value = deserialize(x.type, x.encoded);
    expect(value).toEqual(x.value);
    expect(hex(serialize(x.type, value))).toBe(hex(x.encoded));
  });
});

describe('checksums of the vectors', () => {
  const find = (label: string): Uint8Array => objects.find((x) => x.label === label)!.encoded;
  it('gives the root dirmeta its well-known checksum', () => {
    expect(sha256(find('dirmeta root 0755 no-xattrs'))).toBe('446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488');
  });
  it('gives the empty dirtree its well-known checksum', () => {
    expect(sha256(find('dirtree empty'))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });
  it('gives the full commit the checksum GLib gives it', () => {
    expect(sha256(find('commit full'))).toBe('e70f0a1c903fc7970901b5d6dac1d9ec914c327c9587a32651cb2dce5355d847');
  });
  it('gives the hello-world content stream its checksum', () => {
    const header = find('file header regular 0644');
    const stream = bytes('00000012 00000000', header, utf8('hello world\n'));
    expect(sha256(stream)).toBe('81381808c56d4f3d643ec12f6a18fcf2993af8daba7c2a1b2cbfc315b39424c6');
  });
});

describe('commit ef87eb6e… made by ostree 2022.7 (§8)', () => {
  const commit = bytes(
    '6f73747265652e7265662d62696e64696e67000000000000746573742f6d61696e000a00617313275465737420636f6d6d6974',
    '0000000000000000005e0be100f77f06ee95373c2e32410eebce8d580971872175136046d762ea229b695c1bef446a0ef11b7c',
    'c167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488603534282828',
  );
  const type = '(a{sv}aya(say)sstayay)';

  it('is 134 bytes with the checksum that names it', () => {
    expect(commit.length).toBe(134);
    expect(sha256(commit)).toBe('ef87eb6e24283b4dd5d04d099f520dba5fa81b8732afd0edf84be5eaabdf826a');
  });

  it('reads as a commit with its subject, timestamp, binding and tree', () => {
    const [metadata, parent, related, subject, body, timestamp, tree, meta] = deserialize(type, commit) as GValue[];
    expect(metadata).toEqual([['ostree.ref-binding', { type: 'as', value: ['test/main'] }]]);
    expect(parent).toEqual(new Uint8Array(0));
    expect(related).toEqual([]);
    expect(subject).toBe('Test commit');
    expect(body).toBe('');
    expect(bswap64(timestamp as bigint)).toBe(1577836800n);
    expect(hex(tree as Uint8Array)).toBe('f77f06ee95373c2e32410eebce8d580971872175136046d762ea229b695c1bef');
    expect(hex(meta as Uint8Array)).toBe('446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488');
  });

  it('re-serializes to the same bytes', () => {
    expect(hex(serialize(type, deserialize(type, commit)))).toBe(hex(commit));
  });
});
