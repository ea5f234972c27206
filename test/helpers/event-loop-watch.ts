/**
 * A measuring tool, not a test: with `OSGIT_TEST_BLOCKS=FILE npx vitest run ...`, vitest loads this
 * file before every test file (see vitest.config.ts) and it appends to FILE, per test file, the
 * longest stretches during which the test process did not get back to its event loop, and the
 * test that was running. vitest's worker RPC (birpc) gives up on a call after 60 s, and a reply
 * that arrives during a block is only read once the block ends, after the timer has fired: a block
 * of 60 s (on a loaded machine) ends the run with `Timeout calling "onTaskUpdate"`.
 */
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';

const LOG = process.env.OSGIT_TEST_BLOCKS;
const TICK_MS = 20;
/** Blocks shorter than this are not worth a line. */
const REPORT_MS = 250;

if (LOG) {
  let last = performance.now();
  let current = '(file set-up)';
  const blocks: { ms: number; where: string }[] = [];
  const fileStarted = performance.now();

  // Called on every tick and at every test boundary: the time since the previous call, beyond
  // the tick period, is time the event loop was not turning.
  const probe = (): void => {
    const now = performance.now();
    const gap = now - last - TICK_MS;
    if (gap >= REPORT_MS) blocks.push({ ms: Math.round(gap), where: current });
    last = now;
  };
  setInterval(probe, TICK_MS).unref();

  beforeEach(() => {
    probe();
    current = expect.getState().currentTestName ?? '(unnamed test)';
  });
  afterEach(() => {
    probe();
    current = '(between tests)';
  });
  afterAll(() => {
    probe();
    const file = basename(expect.getState().testPath ?? '(unknown file)');
    const top = blocks.sort((a, b) => b.ms - a.ms).slice(0, 5);
    const total = blocks.reduce((s, b) => s + b.ms, 0);
    const wall = Math.round(performance.now() - fileStarted);
    appendFileSync(
      LOG,
      `${file}: wall ${wall} ms, blocked ${total} ms in ${blocks.length} stretches >= ${REPORT_MS} ms; longest: ` +
        `${top.map((b) => `${b.ms} ms in ${JSON.stringify(b.where)}`).join('; ') || '-'}\n`,
    );
  });
}
