// Rebuilds the store's native addon (packages/store/native, OFD locks and syncfs) when it is
// missing or older than its sources: `npm ci` builds it, but a checkout that pulled a change to
// it only runs `npm test`/`npm run build`. Run through npm, which puts its own node-gyp on PATH.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const store = fileURLToPath(new URL('../packages/store/', import.meta.url));
const addon = join(store, 'build', 'Release', 'osgit_native.node');
const sources = [join(store, 'binding.gyp'), ...readdirSync(join(store, 'native')).map((n) => join(store, 'native', n))];
const mtime = (p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const built = mtime(addon);
if (built < 0 || sources.some((s) => mtime(s) > built)) {
  const r = spawnSync('npm', ['run', '--silent', 'build:native', '-w', '@osgit/store'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
