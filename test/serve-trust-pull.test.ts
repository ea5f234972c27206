// osgit end to end through `osgit serve --sign-key`: a commit signed with `osgit sign`, pushed, and
// pulled by a verifying osgit remote (ed25519 for commits and summary, smart and dumb), which the
// summary signed by the server satisfies; a summary.sig altered on the way is refused (exit 10,
// nothing written). Everything runs through the CLI, as an operator would.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk } from './helpers/tools.js';
import { startServe } from './helpers/serve.js';
import { startRepoHttpServer } from './helpers/repo-http-server.js';

const tmp = tempDirs('serve-trust-pull');
let tokenPublic: string;
let token: string;
let keyPrefix: string;

beforeAll(async () => {
  const dir = tmp.make('keys');
  await osgitOk(['token', 'keygen', join(dir, 'tok')]);
  tokenPublic = join(dir, 'tok.pub');
  const t = await osgitOk(['token', 'create', '--key', join(dir, 'tok'), '--expires', '1h', '--json', '--repo', '*', '--ref', '*', '--op', 'push']);
  token = (JSON.parse(t.stdout) as { token: string }).token;
  keyPrefix = join(dir, 'release');
  await osgitOk(['keygen', '--out', keyPrefix]);
});
afterAll(() => tmp.cleanup());

/** A verifying client: remote `srv` at `url` with the release key for commits and summary. */
async function verifyingClient(url: string): Promise<string> {
  const repo = join(tmp.make('client'), 'repo');
  await osgitOk(['init', '--repo', repo, '--mode', 'archive']);
  await osgitOk(['remote', 'add', '--repo', repo, '--no-gpg-verify', '--sign-verify', 'ed25519', '--verification-file', `${keyPrefix}.pub`, '--sign-verify-summary', 'srv', url]);
  return repo;
}

describe('osgit pull with ed25519 verification from osgit serve --sign-key', () => {
  it('verifies the commit signed with `osgit sign` and the summary the server signed after the push, smart and dumb; refuses an altered summary.sig (exit 10)', async () => {
    const srv = join(tmp.make('server'), 'srv');
    await osgitOk(['init', '--repo', srv, '--mode', 'archive']);
    const served = await startServe({ repo: srv }, ['--token-public-key', tokenPublic, '--quiet', '--sign-key', `${keyPrefix}.secret`]);
    let commit: string;
    try {
      const build = join(tmp.make('build'), 'repo');
      await osgitOk(['init', '--repo', build, '--mode', 'archive']);
      await osgitOk(['remote', 'add', '--repo', build, '--no-gpg-verify', 'origin', served.url]);
      const tree = tmp.make('tree');
      await fs.writeFile(join(tree, 'os-release'), 'ID=signed\n');
      commit = (await osgitOk(['commit', '--repo', build, '-b', 'os/stable', '--timestamp=@1577836800', tree])).stdout.trim().split('\n').pop()!;
      await osgitOk(['sign', '--repo', build, commit, '--key', `${keyPrefix}.secret`]);
      const pushed = await osgit(['push', '--repo', build, 'origin', 'os/stable'], { env: { OSGIT_TOKEN: token } });
      expect(pushed.code, pushed.stderr).toBe(0);

      for (const protocol of ['smart', 'dumb'] as const) {
        const client = await verifyingClient(served.url);
        const r = await osgit(['pull', '--repo', client, '--protocol', protocol, 'srv', 'os/stable']);
        expect(r.code, `${protocol}: ${r.stderr}`).toBe(0);
        expect((await fs.readFile(join(client, 'refs', 'remotes', 'srv', 'os', 'stable'), 'utf8')).trim()).toBe(commit);
      }
    } finally {
      await served.stop();
    }

    // The same folder behind a static server that alters summary.sig: refused, nothing written.
    const mirror = await startRepoHttpServer(srv, async ({ path, res, file }) => {
      if (path !== '/summary.sig') return false;
      const bytes = Buffer.from((await file())!);
      bytes[bytes.length - 30] ^= 0x01;
      res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
      return true;
    });
    try {
      const client = await verifyingClient(mirror.url);
      const r = await osgit(['pull', '--repo', client, '--protocol', 'dumb', '--json', 'srv', 'os/stable']);
      expect(r.code, r.stderr).toBe(10);
      expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('SIGNATURE_INVALID');
      await expect(fs.access(join(client, 'refs', 'remotes', 'srv', 'os', 'stable'))).rejects.toThrow();
    } finally {
      await mirror.stop();
    }
  });
});
