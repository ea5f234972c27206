// The CLI runs from its bundle (scripts/bundle-cli.mjs): a broken bundle, a command missing from
// it or from oclif.manifest.json, or a small command that loads more than its bundle, fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { runOk, startOsgit, type RunResult } from './helpers/tools.js';

const tmp = tempDirs('cli-startup');
afterAll(() => tmp.cleanup());

const cliRoot = fileURLToPath(new URL('../packages/cli/', import.meta.url));
const bundleDir = join(cliRoot, 'dist', 'bundle');
const moduleLog = fileURLToPath(new URL('./helpers/module-log.mjs', import.meta.url));
/** The commands, from their sources (one file per command; `remote/add.ts` is `remote add`). */
const commandNames = readdirSync(join(cliRoot, 'src', 'commands'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3).split('/').join(' '))
  .sort();
/** What `osgit --help` lists: the top-level commands under COMMANDS, the first words of the others under TOPICS. */
const topLevel = commandNames.filter((n) => !n.includes(' '));
const topics = [...new Set(commandNames.filter((n) => n.includes(' ')).map((n) => n.split(' ')[0]!))].sort();

/** Runs the CLI as people run it (NODE_ENV unset: vitest sets 'test', a development setting for oclif). */
function run(args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return startOsgit(args, { cwd: tmp.make('cwd'), env: { NODE_ENV: undefined, ...env } }).done;
}

/** Every file (ES module or CommonJS, native addons included) the CLI loads to run `args`. */
async function loadedFiles(args: string[]): Promise<{ result: RunResult; files: string[] }> {
  const log = join(tmp.make('log'), 'modules.txt');
  const result = await run(args, { NODE_OPTIONS: `--import=${pathToFileURL(moduleLog).href}`, OSGIT_MODULE_LOG: log });
  const files = readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('file:') || line.startsWith('/'))
    .map((line) => (line.startsWith('file:') ? fileURLToPath(line) : line))
    .filter((file) => file !== moduleLog);
  return { result, files: [...new Set(files)] };
}

let repo: string;
beforeAll(async () => {
  repo = join(tmp.make('repo'), 'repo');
  const tree = tmp.make('tree');
  await runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
  await runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'main', '--timestamp=@1700000000', `--tree=dir=${tree}`]);
});

describe('the bundled CLI', () => {
  it('prints the package version with --version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^@osgit\/cli\/0\.1\.0 linux-\w+ node-v\d+\.\d+\.\d+\n$/);
  });

  it('lists every command in --help, and each shows its own --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    const listed = [...r.stdout.split('COMMANDS\n')[1]!.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(topLevel);
    const topicSection = r.stdout.includes('TOPICS\n') ? r.stdout.split('TOPICS\n')[1]!.split('COMMANDS\n')[0]! : '';
    expect([...topicSection.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]).sort()).toEqual(topics);
    for (const name of commandNames) {
      const help = await run([...name.split(' '), '--help']);
      expect({ name, code: help.code, stderr: help.stderr }).toEqual({ name, code: 0, stderr: '' });
      expect(help.stdout).toContain(`$ osgit ${name}`);
    }
  });

  it('loads only files of its bundle for --version and rev-parse (no node_modules, no native addon)', async () => {
    for (const args of [['--version'], ['rev-parse', '--repo', repo, 'main']]) {
      const { result, files } = await loadedFiles(args);
      expect(result.code, result.stderr).toBe(0);
      const outside = files.filter((f) => !f.startsWith(bundleDir + '/') && f !== join(cliRoot, 'bin', 'run.js'));
      expect({ args, outside }).toEqual({ args, outside: [] });
      expect(files.length).toBeGreaterThan(1);
    }
  });

  it('names the TypeScript sources in --debug stack traces (source maps)', async () => {
    const r = await run(['rev-parse', '--repo', repo, 'no-such-ref', '--debug']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/packages\/store\/src\/[\w/-]+\.ts:\d+:\d+/);
  });
});
