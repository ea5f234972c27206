import { describe, expect, it } from 'vitest';
import { classifyStaticPath } from './static-file.js';

// The layout is OSTree's (reference/ostree-formats.md §1, §5, §7): what nginx serving an
// archive repository hands out to `ostree pull`, and nothing of the repository's private state.
const HEX62 = 'a'.repeat(62);
const B64_41 = 'A'.repeat(41);
const B64_43 = 'B'.repeat(43);
const kind = (p: string) => classifyStaticPath(p.split('/'));

describe('classifyStaticPath', () => {
  it('names every kind of file of the static layout', () => {
    expect(kind('config')).toBe('config');
    expect(kind('summary')).toBe('summary');
    expect(kind('summary.sig')).toBe('summary-sig');
    expect(kind('refs/heads/os/x86_64/stable')).toBe('ref');
    expect(kind('refs/mirrors/org.example.Os/stable')).toBe('ref');
    expect(kind('refs/remotes/origin/main')).toBe('ref');
    for (const ext of ['commit', 'dirtree', 'dirmeta', 'filez']) expect(kind(`objects/0f/${HEX62}.${ext}`), ext).toBe('object');
    expect(kind(`objects/0f/${HEX62}.commitmeta`)).toBe('commitmeta');
    expect(kind(`objects/0f/${HEX62}.tombstone-commit`)).toBe('commitmeta');
    expect(kind(`deltas/Ev/${B64_41}/superblock`)).toBe('delta');
    expect(kind(`deltas/k2/${B64_41}-${B64_43}/0`)).toBe('delta');
    expect(kind(`deltas/k2/${B64_41}-${B64_43}/12`)).toBe('delta');
    expect(kind(`delta-indexes/Ev/${B64_41}.index`)).toBe('delta-index');
  });

  it('refuses everything else: private folders, locks, dot-files, traversal, bare objects, odd names', () => {
    const refused = [
      '', 'tmp/x', 'state/x.commitpartial', 'extensions/x', 'osgit/x', '.lock', 'config/x', 'summary.sig/x', 'summaryx',
      'refs', 'refs/heads', 'refs/heads/', 'refs/heads/.tmp-ref', 'refs/heads/a/../b', 'refs/heads/..', 'refs/heads/a//b',
      'refs/heads/a/.lock', 'refs/other/a', 'objects', `objects/0f`, `objects/0f/${HEX62}.file`, `objects/0F/${HEX62}.commit`,
      `objects/0f/${HEX62}.commit.lock`, `objects/0f/${'a'.repeat(61)}.commit`, `objects/../0f/${HEX62}.commit`, 'deltas/Ev',
      `deltas/Ev/${B64_41}/superblock.tmp`, `deltas/Ev/${B64_41}/01`, `deltas/Ev/${B64_41}/../x`, `delta-indexes/Ev/${B64_41}.idx`,
      '..', '../config', './config',
    ];
    for (const p of refused) expect(kind(p), p).toBeNull();
  });
});
