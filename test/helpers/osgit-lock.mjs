// Drives the store's locks from a process of its own, for the cross-process tests in
// test/repo-lock.test.ts. Uses the built package (packages/store/dist, made by `tsc -b`).
//   osgit-lock.mjs hold REPO shared|exclusive   prints "locked", holds until stdin closes, prints "released"
//   osgit-lock.mjs try REPO shared|exclusive    one try: prints "locked" (exit 0) or the error code (exit 5)
//   osgit-lock.mjs tx REPO                      begins a transaction, prints "staging DIR", holds until stdin closes
//   osgit-lock.mjs cas REPO REF EXPECTED VALUE  prints "ready", waits for a line on stdin, then moves REF
//                                               by compare-and-swap: prints "ok" or the error code (exit 5)
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Repo, Transaction, acquireLock, updateRef } from '../../packages/store/dist/index.js';

const [action, repoPath, ...rest] = process.argv.slice(2);
const stdinClosed = () => (process.stdin.readableEnded ? Promise.resolve() : once(process.stdin.resume(), 'end'));

async function main() {
  switch (action) {
    case 'hold': {
      const lock = await acquireLock(repoPath, rest[0]);
      console.log('locked');
      await stdinClosed();
      await lock.release();
      console.log('released');
      return 0;
    }
    case 'try': {
      const lock = await acquireLock(repoPath, rest[0], { timeoutMs: 0 });
      console.log('locked');
      await lock.release();
      return 0;
    }
    case 'tx': {
      const tx = await Transaction.begin(await Repo.open(repoPath));
      console.log(`staging ${tx.dir}`);
      await stdinClosed();
      await tx.abort();
      return 0;
    }
    case 'cas': {
      const [name, expected, value] = rest;
      const repo = await Repo.open(repoPath);
      const lines = createInterface({ input: process.stdin });
      const go = once(lines, 'line');
      console.log('ready');
      await go;
      await updateRef(repo, { ref: { remote: null, name }, expected: expected === 'none' ? null : expected, value });
      console.log('ok');
      lines.close();
      return 0;
    }
    default:
      throw new Error(`unknown action ${action}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log(err.code ?? 'ERROR');
    console.error(err.message);
    process.exit(err.code ? 5 : 1);
  },
);
