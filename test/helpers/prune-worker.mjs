// One looping writer (or the pruner) of test/prune-stress.test.ts, in a process of its own.
// Uses the built packages (packages/*/dist, made by `tsc -b`).
//   prune-worker.mjs commit REPO TREE ROUNDS    commits a changing tree to branch `work`
//   prune-worker.mjs pull REPO ROUNDS NREFS     pulls origin src/K (K = round % NREFS), dropping the ref every other round
//   prune-worker.mjs prune REPO ROUNDS          prune --refs-only --depth 1 (every fifth round: prune without flags)
//   prune-worker.mjs paused REPO                prune --refs-only that prints "marked" after its mark phase and
//                                               sweeps only once stdin closes; then prints the result as JSON
// Prints "done N" and exits 0, or prints the error's code and message and exits 1.
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Repo, commitTree, prune, updateRef } from '../../packages/store/dist/index.js';
import { pull } from '../../packages/protocol/dist/index.js';

const [role, repoPath, ...rest] = process.argv.slice(2);

async function main() {
  if (role === 'commit') {
    const [tree, rounds] = [rest[0], Number(rest[1])];
    for (let i = 0; i < rounds; i++) {
      // Contents come back every few rounds, so objects prune deleted are written again.
      writeFileSync(join(tree, 'a'), `content ${i % 7}\n`);
      mkdirSync(join(tree, `dir${i % 3}`), { recursive: true });
      writeFileSync(join(tree, `dir${i % 3}`, 'b'), `round ${i % 11}\n`);
      const repo = await Repo.open(repoPath);
      await commitTree(repo, { tree, branch: 'work', subject: `round ${i}`, timestamp: BigInt(1700000000 + i) });
    }
    return rounds;
  }
  if (role === 'pull') {
    const [rounds, nrefs] = [Number(rest[0]), Number(rest[1])];
    for (let i = 0; i < rounds; i++) {
      const name = `src/${i % nrefs}`;
      const repo = await Repo.open(repoPath);
      await pull({ repo }, { remote: 'origin', refs: [name], retries: 0 });
      // Dropped again: the commit becomes garbage that a later pull needs back, whole.
      if (i % 2 === 1) await updateRef(repo, { ref: { remote: 'origin', name }, expected: undefined, value: null });
    }
    return rounds;
  }
  if (role === 'prune') {
    const rounds = Number(rest[0]);
    for (let i = 0; i < rounds; i++) {
      const repo = await Repo.open(repoPath);
      await prune(repo, i % 5 === 4 ? {} : { refsOnly: true, depth: 1 });
    }
    return rounds;
  }
  if (role === 'paused') {
    const repo = await Repo.open(repoPath);
    const result = await prune(repo, {
      refsOnly: true,
      afterMark: async () => {
        console.log('marked');
        if (!process.stdin.readableEnded) await once(process.stdin.resume(), 'end');
      },
    });
    console.log(JSON.stringify(result));
    return 1;
  }
  throw new Error(`unknown role ${role}`);
}

main().then(
  (n) => role !== 'paused' && console.log(`done ${n}`),
  (err) => {
    console.log(`error ${err?.code ?? ''} ${err?.message ?? err}`);
    process.exitCode = 1;
  },
);
