// The emulated GVariantDict order against GLib itself (PyGObject's GLib.VariantDict) on random
// key sets, and against the orders the reference observed (App. A).
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, runOk } from '../../../../test/helpers/tools.js';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { gvariantDictOrder } from './dict-order.js';

const tmp = tempDirs('dict-order');
afterAll(() => tmp.cleanup());

describe('gvariantDictOrder', () => {
  it('gives the summary order ostree 2022.7 writes (reference App. A)', () => {
    const keys = ['ostree.summary.last-modified', 'ostree.summary.tombstone-commits', 'ostree.summary.indexed-deltas', 'ostree.summary.mode'];
    expect(gvariantDictOrder(keys)).toEqual([
      'ostree.summary.mode', 'ostree.summary.last-modified', 'ostree.summary.tombstone-commits', 'ostree.summary.indexed-deltas',
    ]);
    expect(gvariantDictOrder(['ostree.commit.timestamp', 'ostree.commit.version'])).toEqual(['ostree.commit.version', 'ostree.commit.timestamp']);
  });

  it('matches GLib on 200 random key sets (PyGObject as the oracle)', async () => {
    const python = requireTool("/usr/bin/python3");
    if (!python) return;
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = 'abcdefghijklmnopqrstuvwxyz.-_ABCXYZ0123456789é';
    const sets: string[][] = [];
    for (let s = 0; s < 200; s++) {
      const n = 1 + rnd(40);
      const keys: string[] = [];
      for (let k = 0; k < n; k++) {
        const len = 1 + rnd(24);
        let key = rnd(3) === 0 ? 'ostree.' : '';
        for (let c = 0; c < len; c++) key += alphabet[rnd(alphabet.length)];
        keys.push(key);
      }
      if (rnd(4) === 0) keys.push(keys[0]!);
      sets.push(keys);
    }
    const dir = tmp.make('py');
    writeFileSync(join(dir, 'sets.json'), JSON.stringify(sets));
    writeFileSync(join(dir, 'order.py'), [
      'import json, sys',
      'from gi.repository import GLib',
      'out = []',
      'for keys in json.load(open(sys.argv[1])):',
      '    d = GLib.VariantDict.new(None)',
      '    for k in keys: d.insert_value(k, GLib.Variant("b", True))',
      '    v = d.end()',
      '    out.append([v.get_child_value(i).get_child_value(0).get_string() for i in range(v.n_children())])',
      'print(json.dumps(out))',
    ].join('\n'));
    const r = await runOk(python, [join(dir, 'order.py'), join(dir, 'sets.json')]);
    const expected = JSON.parse(r.stdout) as string[][];
    expect(sets.map((keys) => gvariantDictOrder(keys))).toEqual(expected);
  });
});
