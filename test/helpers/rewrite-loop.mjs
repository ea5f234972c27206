// Rewrites a file in place, over and over, without changing its size: a stand-in for a program
// that keeps writing a big file while someone commits the tree it is in. Every pass fills the
// whole file with a different byte, in chunks, through one descriptor (no truncation, no rename).
// Prints "ready" once the first pass is done and exits by itself after SECONDS, so a test that
// forgets it cannot leave it running.
//   node rewrite-loop.mjs PATH SIZE SECONDS
import { openSync, writeSync, closeSync } from 'node:fs';

const [path, sizeArg, secondsArg] = process.argv.slice(2);
const size = Number(sizeArg);
const deadline = Date.now() + Number(secondsArg) * 1000;
const CHUNK = 1024 * 1024;
const fd = openSync(path, 'r+');
let round = 0;
try {
  while (Date.now() < deadline) {
    round++;
    const chunk = Buffer.alloc(CHUNK, round % 251);
    for (let off = 0; off < size; off += CHUNK) writeSync(fd, chunk, 0, Math.min(CHUNK, size - off), off);
    if (round === 1) process.stdout.write('ready\n');
  }
} finally {
  closeSync(fd);
}
