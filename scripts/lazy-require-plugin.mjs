// An esbuild plugin for scripts/bundle-cli.mjs: @oclif/core's compiled CommonJS requires every
// module it might use when it starts (semver for an engines check, globbing for command
// discovery, help rendering...), and that is a good part of a small command's start-up. Here
// each `const x = require("m")` (as tsc writes imports: the binding is only ever used as
// `x.name`, `(0, x.name)(...)` or `new x.Name`) becomes a proxy that requires "m" when first
// used, so a run loads only what it touches.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

const REQUIRE_LINE = /^(\s*)(const|var) ([A-Za-z_$][\w$]*) = ((?:__importDefault\(|__importStar\()?require\((["'])[^"']+\5\)\)?);$/gm;

// A function target, so that a module that is itself a function can still be called.
const LAZY = `
function __osgitLazy(load) {
  let loaded;
  const real = () => (loaded ??= { value: load() }).value;
  return new Proxy(function () {}, {
    get: (_, key) => real()[key],
    set: (_, key, value) => { real()[key] = value; return true; },
    has: (_, key) => key in real(),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      return d && { ...d, configurable: true };
    },
    apply: (_, self, args) => Reflect.apply(real(), self, args),
    construct: (_, args) => Reflect.construct(real(), args),
  });
}
`;

/** @param {RegExp} filter the files to transform (compiled TypeScript, CommonJS) */
export function lazyRequirePlugin(filter) {
  return {
    name: 'lazy-require',
    setup(build) {
      build.onLoad({ filter }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        let count = 0;
        const contents = text.replace(REQUIRE_LINE, (_line, indent, kind, name, expr) => {
          count++;
          return `${indent}${kind} ${name} = __osgitLazy(() => ${expr});`;
        });
        // Appended, so that the source map of every original line stays right.
        return count ? { contents: `${contents}\n${LAZY}`, loader: 'js', resolveDir: dirname(args.path) } : undefined;
      });
    },
  };
}
