// The `osgit serve` command's contract: what it prints once listening (for people, and one JSON
// line with --json), how it stops, and its one-line errors for what it cannot serve.
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './helpers/http-request.js';
import { expectOneLineError } from './helpers/one-line-error.js';
import { osgitInit } from './helpers/osgit.js';
import { startServe } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { osgit, OSGIT_BIN, start } from './helpers/tools.js';

const tmp = tempDirs('serve-cli');
let repo: string;

beforeAll(async () => {
  repo = join(tmp.make('repo'), 'repo');
  await osgitInit(repo, 'archive');
});

afterAll(() => tmp.cleanup());

describe('osgit serve', () => {
  it('prints "Serving REPO at URL" once listening, and exits 0 on SIGINT', async () => {
    const child = start(process.execPath, [OSGIT_BIN, 'serve', '--repo', repo, '--port', '0'], { env: { NO_COLOR: '1' } });
    let out = '';
    child.child.stdout!.on('data', (d: string) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.child.stdout!.on('data', () => {
        const m = /^Serving (.*) at (http:\/\/127\.0\.0\.1:\d+\/)\n$/.exec(out);
        if (m) {
          expect(m[1]).toBe(repo);
          resolve(m[2]!);
        }
      });
      void child.done.then((r) => reject(new Error(r.stderr)));
    });
    expect((await rawRequest(url, '/config')).status).toBe(200);
    child.child.kill('SIGINT');
    const r = await child.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(out); // nothing more printed on the way out
  });

  it('with --json prints one JSON line {url} and nothing else on stdout, even when it stops', async () => {
    const served = await startServe({ repo });
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await served.stop();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(JSON.stringify({ url: served.url }) + '\n');
  });

  it('--quiet drops the request lines', async () => {
    const served = await startServe({ repo }, ['--quiet']);
    await rawRequest(served.url, '/config');
    await rawRequest(served.url, '/nope');
    const r = await served.stop();
    expect(r.stderr).toBe('');
  });

  it('refuses to start without a repository, with both --repo and --root, or with a --root that is not a folder', async () => {
    expectOneLineError(await osgit(['serve', '--port', '0']), 2, '--repo');
    expectOneLineError(await osgit(['serve', '--repo', repo, '--root', repo, '--port', '0']), 2);
    const file = join(tmp.make('file'), 'f');
    writeFileSync(file, 'x');
    expectOneLineError(await osgit(['serve', '--root', file, '--port', '0']), 2, 'not a folder');
    expectOneLineError(await osgit(['serve', '--repo', join(repo, 'nope'), '--port', '0']), 3);
    expectOneLineError(await osgit(['serve', '--repo', repo, '--port', '0', '--max-body', 'lots']), 2, '--max-body');
  });

  it('says so in one line when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      expectOneLineError(await osgit(['serve', '--repo', repo, '--port', String(port)]), 2, 'address already in use');
    } finally {
      blocker.close();
    }
  });
});
