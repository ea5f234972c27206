// The progress bar on a terminal (issue 5, "Failure paths"): when a command fails, its bar is
// cleared and the error line is the last thing on the screen. Before, a failing fsck left its bar
// running: redrawn after the error line, cursor hidden, and the process never exited.
// `script` (util-linux's bsdutils) gives the CLI a pseudo-terminal and records what it drew.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { OSGIT_BIN, describeFailure, requireTool, start, startOsgit, type RunResult } from './helpers/tools.js';

const SCRIPT = requireTool('script');

const tmp = tempDirs('cli-progress');
afterAll(() => tmp.cleanup());

const ESC = '\x1b';

async function osgitOk(args: string[]): Promise<void> {
  const r = await startOsgit(args).done;
  if (r.code !== 0) throw new Error(describeFailure('osgit', args, r));
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs the CLI on a pseudo-terminal; its stdout is everything drawn on that terminal. */
async function onTerminal(args: string[]): Promise<RunResult> {
  const command = [process.execPath, OSGIT_BIN, ...args].map(shellQuote).join(' ');
  const term = start(SCRIPT!, ['-qec', command, '/dev/null'], {
    env: { TERM: 'xterm', NO_COLOR: '1', FORCE_COLOR: '0', OSGIT_REPO: undefined, NODE_ENV: undefined },
  });
  onTestFinished(() => term.killGroup());
  return term.done;
}

describe.skipIf(!SCRIPT)('a progress bar on a terminal', () => {
  it('is cleared when a command throws (commit of a fifo), leaving the error line last', async () => {
    const repo = join(tmp.make('repo'), 'repo');
    const src = tmp.make('src');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    const mkfifo = await start('mkfifo', [join(src, 'pipe')]).done;
    expect(mkfifo.code, mkfifo.stderr).toBe(0);
    const r = await onTerminal(['commit', '--repo', repo, '-b', 'main', src]);
    const screen = r.stdout;
    const what = JSON.stringify(screen);
    expect(r.code, what).toBe(6 /* commit input */);
    const errorAt = screen.lastIndexOf('osgit: error: ');
    expect(screen.slice(errorAt), what).toMatch(/^osgit: error: [^\x1b\r\n]*pipe[^\x1b\r\n]*\r?\n?$/);
    const before = screen.slice(0, errorAt);
    expect(before, what).toContain('committing');
    expect(before.endsWith(`${ESC}[2K`), what).toBe(true);
  });

  it('is cleared when fsck fails, leaving the error line last, and the process exits', async () => {
    const repo = join(tmp.make('repo'), 'repo');
    const src = tmp.make('src');
    await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
    await osgitOk(['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836800', src]);
    // fsck draws its bar once it has counted the objects, then reads the refs: this one is a
    // symlink to itself, which no read gets through (fsck reports it, then fails).
    symlinkSync('loop', join(repo, 'refs', 'heads', 'loop'));

    const r = await onTerminal(['fsck', '--repo', repo]);
    const screen = r.stdout;
    const what = JSON.stringify(screen);

    expect(r.code, what).toBe(4 /* corrupt data */);
    const errorAt = screen.lastIndexOf('osgit: error: ');
    expect(errorAt, what).toBeGreaterThan(0);
    // The error line is the last thing written: no bar redrawn after it.
    expect(screen.slice(errorAt), what).toMatch(/^osgit: error: [^\x1b\r\n]+\r?\n?$/);
    // The bar was drawn, and after its last drawing the line was erased (ESC[2K) and the cursor
    // shown again (ESC[?25h); after that only plain lines (fsck's report), no bar redrawn.
    const before = screen.slice(0, errorAt);
    const lastBar = before.lastIndexOf('fsck [');
    expect(lastBar, what).toBeGreaterThanOrEqual(0);
    const afterBar = before.slice(lastBar);
    expect(afterBar, what).toContain(`${ESC}[?25h`);
    const cleared = afterBar.lastIndexOf(`${ESC}[2K`);
    expect(cleared, what).toBeGreaterThan(0);
    expect(afterBar.slice(cleared + `${ESC}[2K`.length), what).not.toContain(ESC);
    expect(afterBar.slice(cleared), what).toContain('error: cannot read ref loop');
  });
});
