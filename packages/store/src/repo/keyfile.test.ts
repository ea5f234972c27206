// KeyFile keeps a repo config's lines: reading and rewriting changes only the key that was set,
// and a new key lands in its own group, where `ostree config set` puts it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/helpers/tmp.js';
import { requireTool, run } from '../../../../test/helpers/tools.js';
import { KeyFile } from './keyfile.js';

const OSTREE = requireTool('ostree');
const tmp = tempDirs('keyfile');
afterAll(() => tmp.cleanup());

// A config as people leave them: comments, odd spacing, blank lines, groups with spaces and quotes.
const MESSY = [
  '# written by hand',
  '[core]',
  'repo_version=1',
  '  mode = archive-z2  ',
  '; an old-style comment',
  '#fsync=false',
  '',
  '',
  '[remote "origin"]',
  'url=http://example.com/repo',
  'gpg-verify=false',
  '   ',
  '[empty]',
  '[tail]',
  'last=1',
  '',
].join('\n');

describe('KeyFile', () => {
  it('gives back exactly the text it was given', () => {
    expect(new KeyFile(MESSY).toString()).toBe(MESSY);
    expect(new KeyFile('').toString()).toBe('');
    expect(new KeyFile('[a]\nk=v\n\n\n').toString()).toBe('[a]\nk=v\n\n\n');
  });

  it('adds the final newline a file lacked, and nothing else', () => {
    expect(new KeyFile('[a]\nk=v').toString()).toBe('[a]\nk=v\n');
  });

  it('reads values trimmed, by group, skipping comments', () => {
    const kf = new KeyFile(MESSY);
    expect(kf.get('core', 'mode')).toBe('archive-z2');
    expect(kf.get('core', 'repo_version')).toBe('1');
    expect(kf.get('core', 'fsync')).toBeUndefined();
    expect(kf.get('remote "origin"', 'url')).toBe('http://example.com/repo');
    expect(kf.get('core', 'url')).toBeUndefined();
    expect(kf.get('tail', 'last')).toBe('1');
    expect(kf.get('nosuch', 'last')).toBeUndefined();
    expect(kf.groups()).toEqual(['core', 'remote "origin"', 'empty', 'tail']);
  });

  it('lists the keys of one group in file order, comments left out', () => {
    const kf = new KeyFile(MESSY);
    expect(kf.entries('remote "origin"')).toEqual([['url', 'http://example.com/repo'], ['gpg-verify', 'false']]);
    expect(kf.entries('core')).toEqual([['repo_version', '1'], ['mode', 'archive-z2']]);
    expect(kf.entries('empty')).toEqual([]);
    expect(kf.entries('absent')).toEqual([]);
  });

  it('keeps the text after the first = of a value, = signs included', () => {
    const kf = new KeyFile('[a]\nurl=http://h/?a=b&c=d\n');
    expect(kf.get('a', 'url')).toBe('http://h/?a=b&c=d');
  });

  it('reads booleans as GLib does for true/false, with a fallback when absent', () => {
    const kf = new KeyFile('[core]\nfsync=false\ndisable-xattrs=true\n');
    expect(kf.getBoolean('core', 'fsync', true)).toBe(false);
    expect(kf.getBoolean('core', 'disable-xattrs', false)).toBe(true);
    expect(kf.getBoolean('core', 'absent', true)).toBe(true);
    expect(kf.getBoolean('core', 'absent', false)).toBe(false);
  });

  it('rewrites only the line of the key it sets', () => {
    const kf = new KeyFile(MESSY);
    kf.set('core', 'mode', 'bare');
    expect(kf.toString()).toBe(MESSY.replace('  mode = archive-z2  ', 'mode=bare'));
    expect(kf.get('core', 'mode')).toBe('bare');
  });

  it('adds a new key after the last line of its group, leaving every other line byte-identical', () => {
    const kf = new KeyFile(MESSY);
    kf.set('core', 'min-free-space-size', '500MB');
    kf.set('remote "origin"', 'branches', 'main;');
    kf.set('empty', 'now', 'full');
    const expected = MESSY
      .replace('#fsync=false\n', '#fsync=false\nmin-free-space-size=500MB\n')
      .replace('gpg-verify=false\n', 'gpg-verify=false\nbranches=main;\n')
      .replace('[empty]\n', '[empty]\nnow=full\n');
    expect(kf.toString()).toBe(expected);
    expect(kf.get('core', 'min-free-space-size')).toBe('500MB');
    expect(kf.get('remote "origin"', 'branches')).toBe('main;');
    expect(kf.get('empty', 'now')).toBe('full');
  });

  it('does not mistake a commented-out key for the key', () => {
    const kf = new KeyFile(MESSY);
    kf.set('core', 'fsync', 'true');
    expect(kf.toString()).toContain('#fsync=false\nfsync=true\n');
    expect(kf.get('core', 'fsync')).toBe('true');
  });

  it('adds a new group at the end, after one blank line', () => {
    const kf = new KeyFile('[core]\nrepo_version=1\n');
    kf.set('remote "o"', 'url', 'http://o/');
    expect(kf.toString()).toBe('[core]\nrepo_version=1\n\n[remote "o"]\nurl=http://o/\n');
    const fromEmpty = new KeyFile('');
    fromEmpty.set('core', 'mode', 'bare');
    expect(fromEmpty.toString()).toBe('[core]\nmode=bare\n');
  });

  it('removes a group and only that group', () => {
    const kf = new KeyFile(MESSY);
    kf.removeGroup('remote "origin"');
    expect(kf.toString()).toBe(MESSY.replace('[remote "origin"]\nurl=http://example.com/repo\ngpg-verify=false\n   \n', ''));
    expect(kf.groups()).toEqual(['core', 'empty', 'tail']);
  });

  describe.skipIf(!OSTREE)('against `ostree config set`', () => {
    it('writes the same bytes for the same sequence of sets on a tidy config', async () => {
      const repo = tmp.path('ostree', 'repo');
      expect((await run(OSTREE!, ['init', `--repo=${repo}`, '--mode=archive'])).code).toBe(0);
      const start = readFileSync(join(repo, 'config'), 'utf8') + '\n[remote "origin"]\nurl=http://example.com/repo\ngpg-verify=false\n';
      writeFileSync(join(repo, 'config'), start);
      const sets: Array<[string, string, string]> = [
        ['core', 'min-free-space-size', '500MB'],
        ['remote "origin"', 'branches', 'main;'],
        ['remote "origin"', 'url', 'http://other/'],
        ['newgroup', 'key', 'value'],
      ];
      const kf = new KeyFile(start);
      for (const [group, key, value] of sets) {
        const r = await run(OSTREE!, ['config', `--repo=${repo}`, 'set', `${group}.${key}`, value]);
        expect(r.code, r.stderr).toBe(0);
        kf.set(group, key, value);
      }
      expect(kf.toString()).toBe(readFileSync(join(repo, 'config'), 'utf8'));
    });
  });
});
