// Preload for a child node process (NODE_OPTIONS="--import=<this file>", OSGIT_MODULE_LOG=FILE):
// appends to FILE the URL of every ES module the process loads and, at exit, the path of every
// CommonJS module (native addons included) in require.cache. Used to check what a command loads.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.OSGIT_MODULE_LOG;
if (log) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function load(url, context, nextLoad) {
      appendFileSync(${JSON.stringify(log)}, url + '\\n');
      return nextLoad(url, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  const { cache } = createRequire(import.meta.url);
  process.on('exit', () => {
    const paths = Object.keys(cache);
    if (paths.length) appendFileSync(log, paths.join('\n') + '\n');
  });
}
