// Acceptance (issue 8): commit, pull and prune in three processes looping on one repository,
// 200 rounds each. Afterwards `osgit fsck` and `ostree fsck` pass and every ref's commit is
// complete: prune never deleted an object that a commit or a pull still being made relied on.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OSTREE, ostreeOk } from './helpers/ostree.js';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, run } from './helpers/tools.js';

const WORKER = fileURLToPath(new URL('./helpers/prune-worker.mjs', import.meta.url));
const ROUNDS = 200;
const NREFS = 8;
const tmp = tempDirs('prune-stress');
let served: Served | null = null;
afterAll(async () => {
  await served?.stop();
  await tmp.cleanup();
});

/** Every ref file under refs/ as `remote:name` or `name`, with the commit it holds. */
function refFiles(repo: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, name: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const n = name ? `${name}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), n);
      else out.push(n);
    }
  };
  walk(join(repo, 'refs', 'heads'), '');
  for (const remote of existsSync(join(repo, 'refs', 'remotes')) ? readdirSync(join(repo, 'refs', 'remotes')) : []) {
    const before = out.length;
    walk(join(repo, 'refs', 'remotes', remote), '');
    for (let i = before; i < out.length; i++) out[i] = `${remote}:${out[i]}`;
  }
  return out;
}

describe.skipIf(!OSTREE)('commit, pull and prune in parallel processes', () => {
  let repo: string;
  let tree: string;
  beforeAll(async () => {
    // The origin: NREFS refs of small trees that share files with each other and with the
    // trees the commit worker makes.
    const origin = join(tmp.make('origin'), 'repo');
    await osgitOk(['init', '--repo', origin, '--mode', 'archive']);
    const src = tmp.make('src');
    for (let k = 0; k < NREFS; k++) {
      writeFileSync(join(src, 'a'), `content ${k % 7}\n`);
      mkdirSync(join(src, 'lib'), { recursive: true });
      writeFileSync(join(src, 'lib', `m${k}`), `module ${k}\n`.repeat(100));
      writeFileSync(join(src, 'lib', 'common'), `common ${k % 3}\n`);
      await osgitOk(['commit', '--repo', origin, '-b', `src/${k}`, '--timestamp', `@${1600000000 + k}`, '-s', `src ${k}`, src]);
    }
    served = await startServe({ repo: origin });
    repo = join(tmp.make('repo'), 'repo');
    await osgitOk(['init', '--repo', repo, '--mode', 'bare-user']);
    await osgitOk(['remote', 'add', '--repo', repo, 'origin', served.url, '--no-gpg-verify']);
    tree = tmp.make('tree');
    writeFileSync(join(tree, 'shared'), 'the same in every commit\n');
  });

  it(`runs ${ROUNDS} rounds of each and leaves a sound repository`, async () => {
    const workers = [
      run(process.execPath, [WORKER, 'commit', repo, tree, String(ROUNDS)]),
      run(process.execPath, [WORKER, 'pull', repo, String(ROUNDS), String(NREFS)]),
      run(process.execPath, [WORKER, 'prune', repo, String(ROUNDS)]),
    ];
    const results = await Promise.all(workers);
    for (const r of results) expect(r.stdout.trim() + r.stderr).toBe(`done ${ROUNDS}`);

    const ours = await osgit(['fsck', '--repo', repo]);
    expect(ours.stdout + ours.stderr).toMatch(/no errors found/);
    expect(ours.code).toBe(0);
    await ostreeOk(['fsck', `--repo=${repo}`]);
    const refs = refFiles(repo);
    expect(refs).toContain('work');
    for (const ref of refs) {
      // Every object of the ref's commit is there: ostree reads each dirtree and the files' headers.
      await ostreeOk(['ls', `--repo=${repo}`, '-R', ref]);
      const commit = (await ostreeOk(['rev-parse', `--repo=${repo}`, ref])).stdout.trim();
      expect(existsSync(join(repo, 'state', `${commit}.commitpartial`))).toBe(false);
    }
    // Prune did run, and did delete: the old commits of `work` beyond depth 1 are gone.
    const log = await osgitOk(['log', '--repo', repo, 'work']);
    expect(log.stdout.match(/^commit /gm)?.length ?? 0).toBeLessThan(ROUNDS);
  }, 600_000);
});
