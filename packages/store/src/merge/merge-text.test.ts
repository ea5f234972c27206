import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isMergeableText, mergeText, splitLines } from './merge-text.js';

const exec = promisify(execFile);

/** `git merge-file -p` (the oracle): merged bytes and whether it conflicted. */
async function gitMergeFile(base: string, ours: string, theirs: string, extra: string[] = []): Promise<{ conflict: boolean; bytes: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'osgit-merge-text-'));
  try {
    await writeFile(join(dir, 'o'), ours, 'latin1');
    await writeFile(join(dir, 'b'), base, 'latin1');
    await writeFile(join(dir, 't'), theirs, 'latin1');
    let conflict = false;
    try {
      await exec('git', ['merge-file', ...extra, '-L', 'ours', '-L', 'base', '-L', 'theirs', join(dir, 'o'), join(dir, 'b'), join(dir, 't')]);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (typeof code !== 'number' || code <= 0) throw err;
      conflict = true;
    }
    return { conflict, bytes: await readFile(join(dir, 'o')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const L = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
const B = (s: string): Buffer => Buffer.from(s, 'latin1');

/** [name, base, ours, theirs]; git and osgit give the same bytes for each. */
const SAME_BYTES: Array<[string, string, string, string]> = [
  ['clean edits far apart', L('1', '2', '3', '4', '5', '6', '7'), L('1', 'X', '3', '4', '5', '6', '7'), L('1', '2', '3', '4', '5', 'Y', '7')],
  ['overlapping edits', L('1', '2', '3', '4', '5'), L('1', 'X', '3', '4', '5'), L('1', 'Z', '3', '4', '5')],
  ['one side deletes lines, the other edits elsewhere', L('1', '2', '3', '4', '5', '6', '7'), L('1', '4', '5', '6', '7'), L('1', '2', '3', '4', '5', '6', 'Y')],
  ['both sides make the same change', L('1', '2', '3'), L('1', 'X', '3'), L('1', 'X', '3')],
  ['same change plus a different one in a hunk', L('1', '2', '3', '4', '5'), L('1', 'X', 'P', '4', '5'), L('1', 'X', 'Q', '4', '5')],
  ['one side deletes what the other edits', L('1', '2', '3', '4', '5'), L('1', '4', '5'), L('1', '2', 'Z', '4', '5')],
  ['both add different lines at the end', L('1', '2'), L('1', '2', 'a'), L('1', '2', 'b')],
  ['no final newline, edits elsewhere', '1\n2\n3\n4\n5', '1\nX\n3\n4\n5', '1\n2\n3\n4\nY'],
  ['ours drops the final newline, theirs edits far away', L('1', '2', '3', '4', '5'), '1\n2\n3\n4\n5', L('A', '2', '3', '4', '5')],
  ['conflict where the sides lack a final newline', 'a', 'b', 'c'],
  ['one side adds the final newline, the other edits the line before', '1\n2\n3', '1\nx\n3', '1\n2\n3\n'],
  ['add/add (empty base)', '', L('a', 'b'), L('a', 'c')],
];

/**
 * Cases where node-diff3 and git's xdiff may place hunk boundaries differently (git also joins
 * two conflicts separated only by lines without letters or digits, XDL_MERGE_ZEALOUS_ALNUM):
 * only clean-or-conflict must agree.
 */
const SAME_OUTCOME: Array<[string, string, string, string]> = [
  ['two conflicts separated by a brace line', L('f(){', 'a', '}', 'g(){', 'b', '}'), L('f(){', 'A1', '}', 'g(){', 'B1', '}'), L('f(){', 'A2', '}', 'g(){', 'B2', '}')],
  ['both insert at the same point', L('1', '2'), L('1', 'x', '2'), L('1', 'y', '2')],
  ['edits on adjacent lines', L('1', '2', '3', '4'), L('1', 'X', '3', '4'), L('1', '2', 'Y', '4')],
  ['one side empties the file, the other edits it', L('1', '2', '3'), '', L('1', 'Z', '3')],
  ['repeated lines moved around', L('a', 'a', 'b', 'a', 'a'), L('a', 'b', 'a', 'a', 'a'), L('a', 'a', 'a', 'b', 'a')],
];

describe('mergeText agrees with git merge-file', () => {
  for (const [name, base, ours, theirs] of SAME_OUTCOME) {
    it(`${name} (same outcome)`, async () => {
      const git = await gitMergeFile(base, ours, theirs);
      expect(mergeText(B(base), B(ours), B(theirs)).conflict).toBe(git.conflict);
    });
  }

  for (const [name, base, ours, theirs] of SAME_BYTES) {
    it(name, async () => {
      const git = await gitMergeFile(base, ours, theirs);
      const ours2 = mergeText(B(base), B(ours), B(theirs));
      expect(ours2.conflict).toBe(git.conflict);
      expect(ours2.bytes.toString('latin1')).toBe(git.bytes.toString('latin1'));
    });
    for (const favor of ['ours', 'theirs'] as const) {
      it(`${name}, --${favor}`, async () => {
        const git = await gitMergeFile(base, ours, theirs, [`--${favor}`]);
        const r = mergeText(B(base), B(ours), B(theirs), { favor });
        expect(r.conflict).toBe(false);
        expect(r.bytes.toString('latin1')).toBe(git.bytes.toString('latin1'));
      });
    }
  }
});

describe('mergeText', () => {
  it('keeps a missing final newline when only one side touched the end', () => {
    expect(mergeText(B('1\n2\n'), B('1\n2'), B('0\n1\n2\n')).bytes.toString()).toBe('0\n1\n2');
  });

  it('writes the labels it is given', () => {
    const r = mergeText(B('a\n'), B('b\n'), B('c\n'), { oursLabel: 'HEAD', theirsLabel: 'topic' });
    expect(r.bytes.toString()).toBe('<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> topic\n');
    expect(r.conflicts).toBe(1);
  });

  it('keeps bytes that are not UTF-8 unchanged', () => {
    const base = Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a, 0x63, 0x0a]);
    const ours = Buffer.from([0x41, 0x0a, 0xff, 0xfe, 0x0a, 0x63, 0x0a]);
    const theirs = Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a, 0x43, 0x0a]);
    expect([...mergeText(base, ours, theirs).bytes]).toEqual([0x41, 0x0a, 0xff, 0xfe, 0x0a, 0x43, 0x0a]);
  });

  it('splits lines keeping their newlines', () => {
    expect(splitLines(B('a\n\nb'))).toEqual(['a\n', '\n', 'b']);
    expect(splitLines(B(''))).toEqual([]);
  });

  it('calls a file with a NUL in its first 8000 bytes binary, and one with a NUL after them text', () => {
    expect(isMergeableText(B('abc\n'))).toBe(true);
    expect(isMergeableText(Buffer.from([0x61, 0x00, 0x62]))).toBe(false);
    const late = Buffer.alloc(9000, 0x61);
    late[8500] = 0;
    expect(isMergeableText(late)).toBe(true);
    expect(isMergeableText(Buffer.alloc(8 * 1024 * 1024 + 1, 0x61))).toBe(false);
  });
});
