// The CLI's error contract (DESIGN.md §7): whatever goes wrong, the command exits non-zero with
// the status the README documents (2 usage, 3 repository, 4 corrupt data, 5 locked/conflict,
// 6 checkout/commit input, 7 no space; 1 anything else), written here as literal numbers so that
// a wrong table in packages/cli/src/exit-codes.ts fails these tests, and stderr is exactly one line
// `osgit: error: <what>` (plus at most one `hint:` line), with no stack trace unless --debug.
// And on success, --json prints one JSON document.
import { existsSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { expectOneLineError } from './helpers/one-line-error.js';
import { expectChecksum, lastLine, osgitOk, startOsgit, type RunResult } from './helpers/tools.js';

const tmp = tempDirs('cli-errors');
afterAll(() => tmp.cleanup());

/** An empty folder as the working directory, so that no repository is found by looking upwards. */
let cwd: string;
let repo: string;
let src: string;
let first: string;
let second: string;

/**
 * Runs the CLI as people run it: NODE_ENV unset (vitest sets it to 'test', which oclif treats
 * as a development setting), in the empty working folder.
 */
function run(args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return startOsgit(args, { cwd, env: { NODE_ENV: undefined, ...env } }).done;
}

beforeAll(async () => {
  cwd = tmp.make('cwd');
  repo = join(tmp.make('repo'), 'repo');
  src = tmp.make('src');
  writeFileSync(join(src, 'hello.txt'), 'hello world\n');
  await osgitOk(['init', '--repo', repo, '--mode', 'archive'], { cwd });
  first = expectChecksum(lastLine((await osgitOk(['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836800', src], { cwd })).stdout));
  writeFileSync(join(src, 'second.txt'), 'second\n');
  second = expectChecksum(lastLine((await osgitOk(['commit', '--repo', repo, '-b', 'main', '--timestamp=@1577836900', src], { cwd })).stdout));
});

interface CommandCase {
  name: string;
  /** valid arguments besides --repo (`REV` stands for a revision) */
  args: (rev: string) => string[];
  /** takes a revision (so a bad one can be given) */
  takesRev: boolean;
  /** what to expect with --json on success */
  json?: (out: unknown) => void;
}

const isChecksum = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

const COMMANDS: CommandCase[] = [
  {
    name: 'commit',
    args: (rev) => ['--orphan', '--parent', rev, '--timestamp=@1577837000', src],
    takesRev: true,
    json: (out) => {
      const o = out as { commit: string; branch: string | null; parent: string; rootTree: string; stats: { files: number } };
      expect(isChecksum(o.commit)).toBe(true);
      expect(o.branch).toBeNull();
      expect(o.parent).toBe(second);
      expect(o.stats.files).toBe(2);
    },
  },
  {
    name: 'checkout',
    args: (rev) => [rev, join(tmp.make('co'), 'out')],
    takesRev: true,
  },
  {
    name: 'log',
    args: (rev) => [rev],
    takesRev: true,
    json: (out) => {
      const o = out as { commits: Array<{ commit: string; timestamp: number }>; truncated: boolean };
      expect(o.commits.map((c) => c.commit)).toEqual([second, first]);
      expect(o.commits[1]!.timestamp).toBe(1577836800);
      expect(o.truncated).toBe(false);
    },
  },
  {
    name: 'show',
    args: (rev) => [rev],
    takesRev: true,
    json: (out) => {
      const o = out as { commit: string; parent: string; date: string };
      expect(o.commit).toBe(second);
      expect(o.parent).toBe(first);
      expect(o.date).toBe('2020-01-01T00:01:40Z');
    },
  },
  {
    name: 'ls',
    args: (rev) => [rev, '/'],
    takesRev: true,
    json: (out) => {
      const o = out as Array<{ path: string; type: string }>;
      expect(o.map((e) => e.path)).toEqual(['/', '/hello.txt', '/second.txt']);
      expect(o[0]!.type).toBe('dir');
    },
  },
  {
    name: 'cat',
    args: (rev) => [rev, '/hello.txt'],
    takesRev: true,
  },
  {
    name: 'rev-parse',
    args: (rev) => [rev],
    takesRev: true,
    json: (out) => expect(out).toEqual({ rev: 'main', commit: second }),
  },
  {
    name: 'diff',
    args: (rev) => [`${rev}^`, rev],
    takesRev: true,
    json: (out) => {
      const o = out as { from: string; to: string; entries: unknown[] };
      expect(o).toEqual({ from: first, to: second, entries: [{ kind: 'added', path: '/second.txt', type: 'file' }] });
    },
  },
  {
    name: 'refs',
    args: () => [],
    takesRev: false,
    json: (out) => expect(out).toEqual([{ ref: 'main', commit: second }]),
  },
  {
    name: 'fsck',
    args: () => [],
    takesRev: false,
    json: (out) => {
      const o = out as { ok: boolean; problems: unknown[]; objectsChecked: number };
      expect(o.ok).toBe(true);
      expect(o.problems).toEqual([]);
      expect(o.objectsChecked).toBeGreaterThan(0);
    },
  },
  {
    name: 'summary',
    args: () => ['-u'],
    takesRev: false,
    json: (out) => {
      const o = out as { refs: Array<{ ref: string; commit: string }>; bytes: number };
      expect(o.refs).toEqual([{ ref: 'main', commit: second }]);
      expect(o.bytes).toBeGreaterThan(0);
    },
  },
];

describe.concurrent('with a repository that is not there', () => {
  for (const c of COMMANDS) {
    it(`${c.name} exits 3 (repository) and one line naming the path, creating nothing`, async () => {
      const parent = tmp.make('missing');
      const missing = join(parent, 'no-repo-here');
      const r = await run([c.name, '--repo', missing, ...c.args('main')]);
      expectOneLineError(r, 3 /* repository */, missing);
      expect(readdirSync(parent)).toEqual([]);
    });

    it(`${c.name} without --repo, found nowhere above the working folder, exits 3 (repository)`, async () => {
      const r = await run([c.name, ...c.args('main')]);
      expectOneLineError(r, 3 /* repository */);
      expect(readdirSync(cwd)).toEqual([]);
    });
  }

  it('init without --repo exits 2 (usage) and creates nothing', async () => {
    const r = await run(['init', '--mode', 'archive']);
    expectOneLineError(r, 2 /* usage */, '--repo');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('init over an existing repository exits 3 (repository)', async () => {
    expectOneLineError(await run(['init', '--repo', repo, '--mode', 'bare']), 3 /* repository */, repo);
  });

  it('init with an unknown mode exits 3 (repository) and creates nothing', async () => {
    const target = join(tmp.make('init-mode'), 'repo');
    expectOneLineError(await run(['init', '--repo', target, '--mode', 'weird']), 3 /* repository */, 'weird');
    expect(existsSync(target)).toBe(false);
  });
});

describe.concurrent('with a bad revision', () => {
  for (const c of COMMANDS.filter((x) => x.takesRev)) {
    it(`${c.name} exits 2 (usage) and one line naming the revision`, async () => {
      const r = await run([c.name, '--repo', repo, ...c.args('no-such-branch')]);
      expectOneLineError(r, 2 /* usage */, 'no-such-branch');
    });
  }

  it('diff names a bad second revision too', async () => {
    expectOneLineError(await run(['diff', '--repo', repo, 'main', 'main^^^']), 2 /* usage */, 'main^^^');
  });

  it('refuses a malformed revision with exit 2 (usage)', async () => {
    expectOneLineError(await run(['rev-parse', '--repo', repo, '../etc/passwd']), 2 /* usage */);
  });

  it('commit with a bad --parent leaves the branch where it was', async () => {
    expectOneLineError(await run(['commit', '--repo', repo, '-b', 'main', '--parent', 'nope', src]), 2 /* usage */, 'nope');
    expect(lastLine((await osgitOk(['rev-parse', '--repo', repo, 'main'], { cwd })).stdout)).toBe(second);
  });
});

describe.concurrent('with a bad flag', () => {
  for (const name of ['init', ...COMMANDS.map((c) => c.name)]) {
    it(`${name} exits 2 (usage) and one line naming the flag`, async () => {
      const c = COMMANDS.find((x) => x.name === name);
      const r = await run([name, '--repo', repo, '--no-such-flag', ...(c ? c.args('main') : [])]);
      expectOneLineError(r, 2, '--no-such-flag');
    });
  }

  it('a flag value out of range exits 2 (usage)', async () => {
    expectOneLineError(await run(['log', '--repo', repo, '-n', '0', 'main']), 2);
  });

  it('an unparsable --timestamp exits 2 (usage), and the branch stays', async () => {
    expectOneLineError(await run(['commit', '--repo', repo, '-b', 'main', '--timestamp', 'next tuesday', src]), 2 /* usage */, 'next tuesday');
    expect(lastLine((await osgitOk(['rev-parse', '--repo', repo, 'main'], { cwd })).stdout)).toBe(second);
  });
});

describe.concurrent('with a missing argument', () => {
  const REQUIRED: Array<[command: string, args: string[], missing: string]> = [
    ['checkout', ['main'], 'destination'],
    ['log', [], 'rev'],
    ['show', [], 'rev'],
    ['ls', [], 'rev'],
    ['cat', ['main'], 'path'],
    ['rev-parse', [], 'rev'],
    ['diff', ['main'], 'to'],
  ];

  for (const [command, args] of REQUIRED) {
    it(`${command} exits 2 (usage) and one error line`, async () => {
      expectOneLineError(await run([command, '--repo', repo, ...args]), 2);
    });
  }

  it('names the missing argument in that one line', async () => {
    const unnamed: string[] = [];
    for (const [command, args, missing] of REQUIRED) {
      const r = await run([command, '--repo', repo, ...args]);
      const line = r.stderr.split('\n')[0] ?? '';
      if (!line.toLowerCase().includes(missing)) unnamed.push(`${command}: ${JSON.stringify(line)}`);
    }
    expect(unnamed).toEqual([]);
  });

  it('names the problem of an out-of-range flag value in that one line', async () => {
    const r = await run(['log', '--repo', repo, '-n', '0', 'main']);
    expect(r.stderr.split('\n')[0]).toMatch(/max-count.*(1|0)/);
  });
});

describe.concurrent('with a path that leaves the tree', () => {
  // A `..` typed by a user is a usage error (2), not damaged data (4): that is for a stored tree.
  it('checkout --subpath ../x exits 2 (usage) and creates nothing', async () => {
    const parent = tmp.make('subpath');
    const r = await run(['checkout', '--repo', repo, '--subpath', '../x', 'main', join(parent, 'out')]);
    expectOneLineError(r, 2 /* usage */, '../x');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('ls and cat of a path through .. exit 2 (usage)', async () => {
    expectOneLineError(await run(['ls', '--repo', repo, 'main', '../etc']), 2 /* usage */, '../etc');
    expectOneLineError(await run(['cat', '--repo', repo, 'main', '/x/../hello.txt']), 2 /* usage */, '/x/../hello.txt');
  });
});

describe('a ref the file system cannot read', () => {
  it('is an IO error (exit 1) naming the ref, never the raw ELOOP, with or without --json', async () => {
    const looped = join(tmp.make('loop'), 'repo');
    expect((await run(['init', '--repo', looped, '--mode', 'archive'])).code).toBe(0);
    symlinkSync('loop', join(looped, 'refs', 'heads', 'loop'));
    expectOneLineError(await run(['refs', '--repo', looped]), 1 /* anything else */, 'loop');
    const r = await run(['refs', '--repo', looped, '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; exitCode: number } };
    expect(doc.error.code).toBe('IO');
    expect(doc.error.exitCode).toBe(1);
    expect(doc.error.message).toContain(join(looped, 'refs', 'heads', 'loop'));
    expect(doc.error.message).not.toContain('ELOOP');
  });
});

describe('in a development environment', () => {
  it('still prints one error line for a usage error when NODE_ENV=development', async () => {
    expectOneLineError(await run(['log', '--repo', repo, '--no-such-flag', 'main'], { NODE_ENV: 'development' }), 2, '--no-such-flag');
  });
});

describe('an unknown command', () => {
  it('exits 2 (usage) with one osgit: error: line', async () => {
    const r = await run(['no-such-command', '--repo', repo]);
    expect(r.code).toBe(2 /* usage */);
    expect(r.stderr.split('\n').filter(Boolean)[0]).toMatch(/^osgit: error: .*no-such-command/);
  });
});

describe('--debug', () => {
  it('adds the stack trace after the one error line', async () => {
    const r = await run(['log', '--repo', repo, '--debug', 'no-such-branch']);
    expect(r.code).toBe(2 /* usage */);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^osgit: error: .*no-such-branch/);
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});

// Not concurrent: fsck must not see a commit half renamed into objects/.
describe('--json', () => {
  for (const c of COMMANDS.filter((x) => x.json)) {
    it(`${c.name} prints one JSON document on success`, async () => {
      const r = await run([c.name, '--repo', repo, '--json', ...c.args('main')]);
      expect(r.code, r.stderr).toBe(0);
      c.json!(JSON.parse(r.stdout));
    });
  }

  it('init prints one JSON document on success', async () => {
    const target = join(tmp.make('init-json'), 'repo');
    const r = await run(['init', '--repo', target, '--mode', 'bare-user', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ path: target, mode: 'bare-user' });
  });

  it('checkout and cat print one JSON document on success', async () => {
    const dest = join(tmp.make('co-json'), 'out');
    const co = await run(['checkout', '--repo', repo, '--json', 'main', dest]);
    expect(co.code, co.stderr).toBe(0);
    expect(JSON.parse(co.stdout)).toMatchObject({ destination: dest, files: 2, dirs: 1 });
    const cat = await run(['cat', '--repo', repo, '--json', 'main', '/hello.txt']);
    expect(cat.code, cat.stderr).toBe(0);
    const doc = JSON.parse(cat.stdout) as { content: string; size: number };
    expect(Buffer.from(doc.content, 'base64').toString()).toBe('hello world\n');
    expect(doc.size).toBe(12);
  });

  it('prints a usage error as a JSON document with code USAGE and exit status 2', async () => {
    const r = await run(['log', '--repo', repo, '--json', '--no-such-flag', 'main']);
    expect(r.code).toBe(2 /* usage */);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; exitCode: number } };
    expect(doc.error).toMatchObject({ code: 'USAGE', exitCode: 2 });
    expect(doc.error.message).toContain('--no-such-flag');
  });

  it('prints the error as a JSON document with its code, and still one line on stderr', async () => {
    const r = await run(['log', '--repo', repo, '--json', 'no-such-branch']);
    expect(r.code).toBe(2 /* usage */);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; exitCode: number } };
    expect(doc.error.code).toBe('REV_INVALID');
    expect(doc.error.exitCode).toBe(2 /* usage */);
    expect(doc.error.message).toContain('no-such-branch');
    expect(r.stderr.slice(0, -1).split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^osgit: error: /);
  });
});

describe('fsck of a damaged repository', () => {
  it('exits 4 (corrupt data), one error line on stderr, and ok: false in --json', async () => {
    const broken = join(tmp.make('broken'), 'repo');
    await osgitOk(['init', '--repo', broken, '--mode', 'archive'], { cwd });
    await osgitOk(['commit', '--repo', broken, '-b', 'main', '--timestamp=@1577836800', src], { cwd });
    // Damage one content object: a valid deflate stream of other bytes after its header.
    const objects = join(broken, 'objects');
    const sub = readdirSync(objects).find((d) => readdirSync(join(objects, d)).some((n) => n.endsWith('.filez')))!;
    const name = readdirSync(join(objects, sub)).find((n) => n.endsWith('.filez'))!;
    writeFileSync(join(objects, sub, name), Buffer.from('00000010000000000000000000000000', 'hex'));
    const human = await run(['fsck', '--repo', broken]);
    expect(human.code).toBe(4 /* corrupt data */);
    expect(human.stderr).toBe('osgit: error: fsck found problems\n');
    expect(human.stdout).toContain(sub + name.slice(0, 62));
    const json = await run(['fsck', '--repo', broken, '--json']);
    expect(json.code).toBe(4 /* corrupt data */);
    const doc = JSON.parse(json.stdout) as { ok: boolean; problems: Array<{ checksum: string }> };
    expect(doc.ok).toBe(false);
    expect(doc.problems.map((p) => p.checksum)).toContain(sub + name.slice(0, 62));
  });
});

