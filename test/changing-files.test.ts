// A file rewritten in place while `osgit commit` reads it. Whatever the timing, the repository
// must never hold an object whose bytes do not match its name: either the commit succeeds with a
// consistent object, or it fails with "file changed while it was being committed" (exit 6) and
// the branch stays where it was. Both `ostree fsck` and `osgit fsck` must pass afterwards.
// The writer is a separate process that rewrites the whole file continuously (same size,
// different bytes), so the commit's reads overlap its writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { lastLine, requireTool, start, startOsgit, type RunResult, type Started } from './helpers/tools.js';

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
      expect((await osgitAsync(['init', '--repo', repo, '--mode', mode])).code).toBe(0);
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
          expect(lastLine(head.stdout)).toBe(branch);
        }
        const theirs = await ostreeAsync(['fsck', `--repo=${repo}`]);
        expect(theirs.code, `ostree fsck after run ${run}: ${theirs.stdout}${theirs.stderr}`).toBe(0);
        const ours = await osgitAsync(['fsck', '--repo', repo]);
        expect(ours.code, `osgit fsck after run ${run}: ${ours.stdout}${ours.stderr}`).toBe(0);
      }
    }, 300_000);
  }
});
