// The suite must pass on a loaded machine. vitest's worker answers its own RPC (birpc, 60 s
// timeout) only when the test process gets back to its event loop; a child process run
// synchronously holds that loop for the child's whole run, and a few slow ones in a row made
// `npm test` fail with `Timeout calling "onTaskUpdate"`. So code that runs inside test processes
// starts children asynchronously (run/runOk/start in test/helpers/tools.ts). Global setup runs in
// vitest's main process before any test, and .mjs/.py helpers are processes of their own.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : tsFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every TypeScript file that vitest loads into a test process: test files and the helpers they import. */
function inTestProcesses(): string[] {
  const packages = readdirSync(join(root, 'packages')).flatMap((name) => tsFiles(join(root, 'packages', name, 'src')));
  return [...packages.filter((p) => p.endsWith('.test.ts')), ...tsFiles(join(root, 'test'))].filter(
    (p) => !p.endsWith('.global-setup.ts'),
  );
}

describe('the test suite', () => {
  it('finds the files it checks', () => {
    const files = inTestProcesses().map((p) => relative(root, p));
    expect(files).toContain('test/helpers/tools.ts');
    expect(files).toContain('packages/store/src/refs/refs.test.ts');
  });

  it('never runs a child process synchronously inside a test process', () => {
    const offenders: string[] = [];
    for (const file of inTestProcesses()) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\b(spawnSync|execFileSync|execSync)\s*\(/.test(line)) offenders.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
