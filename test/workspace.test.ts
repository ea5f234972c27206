// The monorepo's wiring, checked rather than trusted: each package's TypeScript project
// references are exactly its workspace dependencies, and imports only point down the layers
// DESIGN.md §2 draws (store ← protocol ← remote-server, deployer ← cli).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['store', 'protocol', 'remote-server', 'deployer', 'cli'];
const allowed: Record<string, string[]> = {
  store: [],
  protocol: ['store'],
  'remote-server': ['store', 'protocol'],
  deployer: ['store', 'protocol'],
  cli: ['store', 'protocol', 'remote-server', 'deployer'],
};

const json = (path: string): Record<string, any> => JSON.parse(readFileSync(path, 'utf8'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/**
 * `@osgit/P` is P's index; `@osgit/P/SUB` only when P's package.json declares `./SUB` in its
 * exports: a narrow second entry for a start-up-critical path (`@osgit/store/worktree`, which
 * `osgit status` loads instead of the whole store), public and pinned like the index.
 */
function isPublicEntry(spec: string, allowedPackages: string[]): boolean {
  const [, pkg, ...sub] = spec.split('/');
  if (!allowedPackages.includes(pkg!)) return false;
  if (sub.length === 0) return true;
  const exportsMap = json(join(root, 'packages', pkg!, 'package.json')).exports ?? {};
  return Object.prototype.hasOwnProperty.call(exportsMap, `./${sub.join('/')}`);
}

describe('the workspace', () => {
  for (const name of packages) {
    const dir = join(root, 'packages', name);
    const deps = Object.keys(json(join(dir, 'package.json')).dependencies ?? {})
      .filter((d) => d.startsWith('@osgit/'))
      .map((d) => d.slice('@osgit/'.length))
      .sort();

    it(`${name}: tsconfig references match its @osgit dependencies`, () => {
      const refs = ((json(join(dir, 'tsconfig.json')).references ?? []) as Array<{ path: string }>)
        .map((r) => r.path.replace('../', ''))
        .sort();
      expect(refs).toEqual(deps);
    });

    it(`${name}: depends only on packages below it`, () => {
      expect(deps.filter((d) => !allowed[name]!.includes(d))).toEqual([]);
    });

    it(`${name}: imports other packages only through their index, never their internals`, () => {
      const bad: string[] = [];
      for (const file of sourceFiles(join(dir, 'src'))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/from '(@osgit\/[^']+|\.\.\/[^']+)'/g)) {
          const spec = m[1]!;
          // A relative import must stay inside this package's src/ (nested command folders go up a level or two).
          const leavesPackage = spec.startsWith('.') && !resolve(dirname(file), spec).startsWith(join(dir, 'src') + sep);
          if (leavesPackage || (!spec.startsWith('.') && !isPublicEntry(spec, allowed[name]!))) {
            bad.push(`${file.slice(root.length + 1)}: ${spec}`);
          }
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
