#!/usr/bin/env node
// Bundles the osgit CLI for a fast start (run after `tsc -b`, by `npm run build` and `prepare`).
//
//   node scripts/bundle-cli.mjs
//
// Node pays for every module file it resolves, reads and compiles: the CLI, the store and
// @oclif/core are a few hundred files, and loading them was most of a small command's time.
// esbuild turns packages/cli/dist (tsc's output) into a few ESM files under
// packages/cli/dist/bundle: main/osgit.js (oclif and the entry point bin/run.js loads), one file
// per command and hook, and the chunks they share. oclif.manifest.json (written here, from the
// bundle itself) tells oclif every command's flags and file, so oclif loads only the command
// that runs and none to show help or the version; and oclif's own modules are loaded when first
// used (lazy-require-plugin.mjs).
//
// Every output file sits exactly one folder below dist/bundle, so one relative path leads from
// any of them back to the tsc output: `import.meta.url` in bundled code is rewritten to the URL of
// the module's own original file, and `new URL('./worker.js', import.meta.url)` or
// `createRequire(import.meta.url)` keep finding the files beside it (workers, native addons).
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lazyRequirePlugin } from './lazy-require-plugin.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliRoot = join(repoRoot, 'packages', 'cli');
const dist = join(cliRoot, 'dist');
const out = join(dist, 'bundle');
/** Packages that load native code: they stay in node_modules and are imported from there. */
const EXTERNAL = ['@napi-rs/xattr', 'typescript'];

/**
 * Commands in subfolders (`commands/remote/add.js`, oclif id `remote:add`) are bundled under a
 * flat name (`commands/remote-add.js`) to keep every output file one folder deep; the manifest
 * then names them by their real id (see writeManifest). Flat name -> oclif id.
 */
const nestedCommandIds = {};

/** The modules bin/run.js and oclif load: the entry point, then each command and hook by name. */
function entryPoints() {
  // fast/status.js and fast/commit.js: `osgit status` and a worktree commit without oclif
  // (bin/run.js), loading only what they need.
  const entries = {
    'main/osgit': join(dist, 'main.js'),
    'fast/status': join(dist, 'fast', 'status.js'),
    'fast/commit': join(dist, 'fast', 'commit.js'),
  };
  for (const folder of ['commands', 'hooks']) {
    for (const rel of jsFilesBelow(join(dist, folder))) {
      const parts = rel.slice(0, -3).split('/');
      const flat = parts.join('-');
      const key = `${folder}/${flat}`;
      if (entries[key]) throw new Error(`bundle-cli: ${folder}/${rel} and another file both bundle as ${key}.js`);
      entries[key] = join(dist, folder, ...rel.split('/'));
      if (folder === 'commands' && parts.length > 1) nestedCommandIds[flat] = parts.join(':');
    }
  }
  return entries;
}

/** Paths (with '/') of the .js files below `dir`, subfolders included. */
function jsFilesBelow(dir, prefix = '') {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...jsFilesBelow(join(dir, e.name), rel));
    else if (e.name.endsWith('.js')) out.push(rel);
  }
  return out;
}

/**
 * Points `import.meta.url` (and `.filename`, `.dirname`) of a bundled module at its original
 * file, as seen from any output file (all at depth one below `out`).
 */
const originalLocation = {
  name: 'original-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const unsupported = /import\.meta\.(?!url\b|filename\b|dirname\b)\w+/.exec(text);
      if (unsupported) {
        return { errors: [{ text: `${unsupported[0]} cannot be bundled: use import.meta.url (see scripts/bundle-cli.mjs)` }] };
      }
      const rel = (target) => relative(join(out, 'x'), target).split(sep).join('/');
      const url = `new URL(${JSON.stringify(rel(args.path))}, import.meta.url)`;
      const dirUrl = `new URL(${JSON.stringify(`${rel(dirname(args.path))}/`)}, import.meta.url)`;
      // Written on the first line, so the input's source map stays right for every other line.
      const contents =
        "import { fileURLToPath as __osgitFileURLToPath } from 'node:url';" +
        text
          .replace(/import\.meta\.url\b/g, `${url}.href`)
          .replace(/import\.meta\.filename\b/g, `__osgitFileURLToPath(${url})`)
          .replace(/import\.meta\.dirname\b/g, `__osgitFileURLToPath(${dirUrl}).slice(0, -1)`);
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

// CommonJS code inside an ESM bundle still calls require() (for Node's own modules and JSON).
const BANNER =
  "import { createRequire as __osgitCreateRequire } from 'node:module';\n" +
  'const require = __osgitCreateRequire(import.meta.url);';

async function bundle() {
  rmSync(out, { recursive: true, force: true });
  const result = await build({
    entryPoints: entryPoints(),
    outdir: out,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    banner: { js: BANNER },
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    keepNames: true, // class and function names as in the sources (error names, stack traces)
    logLevel: 'warning',
    metafile: true,
    plugins: [lazyRequirePlugin(/[\\/]node_modules[\\/]@oclif[\\/]core[\\/]lib[\\/].*\.js$/), originalLocation],
  });
  return result.metafile;
}

/** oclif.manifest.json from the bundle's own oclif, as `oclif manifest` writes it. */
async function writeManifest() {
  const { Plugin, settings } = await import(pathToFileURL(join(out, 'main', 'osgit.js')).href);
  settings.enableAutoTranspile = false;
  const plugin = new Plugin({
    root: cliRoot,
    type: 'core',
    isRoot: true,
    ignoreManifest: true,
    errorOnManifestCreate: true,
    respectNoCacheDefault: true,
  });
  await plugin.load();
  // oclif named the flattened nested commands after their files (`remote-add`): give them
  // their real ids (`remote:add`, typed `osgit remote add`); relativePath still finds the file.
  const commands = {};
  for (const [id, cmd] of Object.entries(plugin.manifest.commands)) {
    const real = nestedCommandIds[id] ?? id;
    commands[real] = { ...cmd, id: real };
  }
  plugin.manifest.commands = commands;
  const ids = Object.keys(plugin.manifest.commands);
  if (ids.length === 0) throw new Error(`no commands found under ${plugin.pjson.oclif.commands}`);
  writeFileSync(join(cliRoot, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest, null, 2)}\n`);
  return ids;
}

const metafile = await bundle();
const commands = await writeManifest();
const files = Object.keys(metafile.outputs).filter((f) => f.endsWith('.js'));
const kib = files.reduce((sum, f) => sum + metafile.outputs[f].bytes, 0) / 1024;
console.error(`bundle-cli: ${files.length} files, ${kib.toFixed(0)} KiB in ${relative(repoRoot, out)}; ` +
  `oclif.manifest.json: ${commands.length} commands`);
