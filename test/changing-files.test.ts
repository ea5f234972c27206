// A file rewritten in place while `osgit commit` reads it. Whatever the timing, the repository
// must never hold an object whose bytes do not match its name: either the commit succeeds with a
// consistent object, or it fails with "file changed while it was being committed" (exit 6) and
// the branch stays where it was. Both `ostree fsck` and `osgit fsck` must pass afterwards.
// The writer is a separate process that rewrites the whole file continuously (same size,
// different bytes), so the commit's reads overlap its writes.
import { createHash } from 'node:crypto';
import { readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Repo, Transaction, encodeFileHeader, framedHeader, isStoreError, type FileInfo, type RepoMode,
} from '@osgit/store';
import { prngBytes } from './helpers/prng.js';
import { tempDirs } from './helpers/tmp.js';
import { isRoot, lastLine, requireTool, start, startOsgit, type RunResult, type Started } from './helpers/tools.js';

const tmp = tempDirs('changing');
const OSTREE = requireTool('ostree');
const REWRITER = fileURLToPath(new URL('./helpers/rewrite-loop.mjs', import.meta.url));
const BIG = 48 * 1024 * 1024;
const RUNS = 3;

afterAll(() => tmp.cleanup());

async function osgitAsync(args: string[]): Promise<RunResult> {
  return startOsgit(args).done;
}

async function ostreeAsync(args: string[]): Promise<RunResult> {
  return start(OSTREE!, args).done;
}

/** Starts the rewriter and resolves once it has rewritten the file at least once. */
async function startRewriter(path: string): Promise<Started> {
  const w = start(process.execPath, [REWRITER, path, String(BIG), '120']);
  await new Promise<void>((resolve, reject) => {
    w.child.stdout!.on('data', (d: Buffer) => {
      if (String(d).includes('ready')) resolve();
    });
    void w.done.then((r) => reject(new Error(`rewriter exited early (${r.code}): ${r.stderr}`)));
  });
  return w;
}

describe.skipIf(!OSTREE)('a file rewritten in place while it is committed', () => {
  for (const mode of ['archive', 'bare-user'] as const) {
    it(`never leaves an object that does not match its name (${mode})`, async () => {
      const repo = join(tmp.make(mode), 'repo');
      const init = await osgitAsync(['init', '--repo', repo, '--mode', mode]);
      expect(init.code, init.stderr).toBe(0);
      const tree = tmp.make(`${mode}-tree`);
      writeFileSync(join(tree, 'small.txt'), 'a small file\n');
      writeFileSync(join(tree, 'big.bin'), Buffer.alloc(BIG, 0xee));
      const first = await osgitAsync(['commit', '--repo', repo, '-b', 'main', '--timestamp=@1700000000', tree]);
      expect(first.code, first.stderr).toBe(0);
      let branch = lastLine(first.stdout);

      for (let run = 0; run < RUNS; run++) {
        const writer = await startRewriter(join(tree, 'big.bin'));
        let r: RunResult;
        try {
          r = await osgitAsync(['commit', '--repo', repo, '-b', 'main', `--timestamp=@${1700000001 + run}`, tree]);
        } finally {
          writer.killGroup();
          await writer.done;
        }
        if (r.code === 0) {
          branch = lastLine(r.stdout);
        } else {
          expect(r.code, r.stderr).toBe(6);
          expect(r.stderr.trim().split('\n')[0]).toMatch(/file changed while it was being committed: .*big\.bin$/);
          const head = await osgitAsync(['rev-parse', '--repo', repo, 'main']);
          expect(lastLine(head.stdout), head.stderr).toBe(branch);
        }
        const theirs = await ostreeAsync(['fsck', `--repo=${repo}`]);
        expect(theirs.code, `ostree fsck after run ${run}: ${theirs.stdout}${theirs.stderr}`).toBe(0);
        const ours = await osgitAsync(['fsck', '--repo', repo]);
        expect(ours.code, `osgit fsck after run ${run}: ${ours.stdout}${ours.stderr}`).toBe(0);
      }
    }, 300_000);
  }
});

// The same guarantee without a race: the transaction is told a checksum and size that the file on
// disk no longer has (as when it changed after write-tree hashed it), and must stage nothing.
describe('a large file whose bytes are not the ones announced', () => {
  const modes: RepoMode[] = ['archive', 'bare-user', 'bare-user-only', ...(isRoot ? (['bare'] as const) : [])];
  const SIZE = 3 * 1024 * 1024;

  /** Files left in the transaction's staging folder (objects or temporary copies). */
  function staged(tx: Transaction): string[] {
    return readdirSync(tx.dir, { recursive: true, withFileTypes: true }).filter((d) => !d.isDirectory()).map((d) => d.name);
  }

  for (const mode of modes) {
    it(`is refused with COMMIT_INPUT and leaves nothing staged (${mode})`, async () => {
      const repo = await Repo.init(join(tmp.make(`tx-${mode}`), 'repo'), { mode });
      const file = join(tmp.make(`tx-${mode}-tree`), 'big.bin');
      const bytes = prngBytes(7, SIZE);
      writeFileSync(file, bytes);
      const info: FileInfo = { uid: 0, gid: 0, mode: 0o100644, symlinkTarget: '', xattrs: [], size: SIZE };
      const announced = createHash('sha256').update(framedHeader(encodeFileHeader(info))).update(bytes).digest('hex');
      const tx = await Transaction.begin(repo);
      try {
        // Same size, other bytes.
        writeFileSync(file, prngBytes(8, SIZE));
        const changed = await tx.writeFile(announced, info, { path: file })!.then(() => null, (err: unknown) => err);
        expect(isStoreError(changed, 'COMMIT_INPUT'), String(changed)).toBe(true);
        expect((changed as Error).message).toBe(`file changed while it was being committed: ${file}`);
        expect(staged(tx)).toEqual([]);

        // Truncated: the first bytes are the announced ones, but fewer of them.
        writeFileSync(file, bytes);
        truncateSync(file, SIZE - 1000);
        const shorter = await tx.writeFile(announced, info, { path: file })!.then(() => null, (err: unknown) => err);
        expect(isStoreError(shorter, 'COMMIT_INPUT'), String(shorter)).toBe(true);
        expect(staged(tx)).toEqual([]);
        expect(tx.hasSync(announced, 'file')).toBe(false);
      } finally {
        await tx.abort();
      }
      expect(repo.hasObjectSync(announced, 'file')).toBe(false);
    });
  }
});
