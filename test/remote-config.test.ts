// Remotes live in the repo's config as OSTree's `[remote "NAME"]` groups: what `osgit remote add`
// writes, the real `ostree remote list` / `show-url` / `config get` read; what `ostree remote add`
// writes, osgit reads; a refused add or delete leaves the config byte-for-byte as it was.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/tmp.js';
import { osgit, osgitOk, requireTool } from './helpers/tools.js';
import { ostreeInit, ostreeOk } from './helpers/ostree.js';

const OSTREE = requireTool('ostree');
const tmp = tempDirs('remote-config');
afterAll(() => tmp.cleanup());

async function newRepo(): Promise<string> {
  const repo = join(tmp.make('repo'), 'repo');
  await ostreeInit(repo, 'archive');
  return repo;
}

const config = (repo: string): string => readFileSync(join(repo, 'config'), 'utf8');

function jsonOf(stdout: string): any {
  return JSON.parse(stdout);
}

describe.skipIf(!OSTREE)('remote config', () => {
  it('writes a remote that ostree lists, with its url, branches and keys', async () => {
    const repo = await newRepo();
    await osgitOk([
      'remote', 'add', '--repo', repo, '--no-gpg-verify', '--set', 'tls-permissive=true',
      '--set', 'osgit-stall-timeout-secs=7', 'origin', 'http://example.com/repo', 'os/main', 'os/next',
    ]);
    await osgitOk(['remote', 'add', '--repo', repo, 'second', 'https://mirror.example.org/r']);
    expect((await ostreeOk(['remote', 'list', `--repo=${repo}`, '-u'])).stdout).toBe(
      'origin  http://example.com/repo\nsecond  https://mirror.example.org/r\n',
    );
    expect((await ostreeOk(['remote', 'show-url', `--repo=${repo}`, 'origin'])).stdout).toBe('http://example.com/repo\n');
    const get = async (key: string) => (await ostreeOk(['config', `--repo=${repo}`, 'get', `remote "origin".${key}`])).stdout;
    expect(await get('gpg-verify')).toBe('false\n');
    expect(await get('branches')).toBe('os/main;os/next;\n');
    expect(await get('tls-permissive')).toBe('true\n');
    expect(await get('osgit-stall-timeout-secs')).toBe('7\n');
    // ostree itself can edit and delete what osgit wrote.
    await ostreeOk(['remote', 'delete', `--repo=${repo}`, 'second']);
    expect((await ostreeOk(['remote', 'list', `--repo=${repo}`])).stdout).toBe('origin\n');
  });

  it('reads the remotes ostree added, every key included', async () => {
    const repo = await newRepo();
    await ostreeOk(['remote', 'add', `--repo=${repo}`, '--no-gpg-verify', '--set=contenturl=https://cdn.example.org/repo', 'upstream', 'https://example.org/repo', 'main']);
    await ostreeOk(['remote', 'add', `--repo=${repo}`, 'signed', 'http://signed.example.org/']);
    const list = jsonOf((await osgitOk(['remote', 'list', '--repo', repo, '--json'])).stdout);
    expect(list.map((r: { name: string; url: string; gpgVerify: boolean }) => [r.name, r.url, r.gpgVerify])).toEqual([
      ['upstream', 'https://example.org/repo', false],
      ['signed', 'http://signed.example.org/', true], // gpg-verify absent: OSTree's default is true
    ]);
    const shown = jsonOf((await osgitOk(['remote', 'show', '--repo', repo, 'upstream', '--json'])).stdout);
    expect(shown).toMatchObject({ branches: ['main'], options: { contenturl: 'https://cdn.example.org/repo', 'gpg-verify': 'false' } });
    expect((await osgitOk(['remote', 'list', '--repo', repo, '-u'])).stdout).toBe(
      'upstream  https://example.org/repo\nsigned    http://signed.example.org/\n',
    );
    await osgitOk(['remote', 'delete', '--repo', repo, 'upstream']);
    expect((await ostreeOk(['remote', 'list', `--repo=${repo}`])).stdout).toBe('signed\n');
  });

  it('keeps every other line of the config as it was', async () => {
    const repo = await newRepo();
    const before = `${config(repo)}# kept by hand\n[remote "old"]\nurl=http://old.example.com/\n; a comment\n`;
    writeFileSync(join(repo, 'config'), before);
    await osgitOk(['remote', 'add', '--repo', repo, 'new', 'http://new.example.com/']);
    expect(config(repo)).toBe(`${before}\n[remote "new"]\nurl=http://new.example.com/\n`);
    await osgitOk(['remote', 'delete', '--repo', repo, 'new']);
    expect(config(repo)).toBe(`${before}\n`);
  });

  it('hides the token when it shows a remote', async () => {
    const repo = await newRepo();
    await osgitOk(['remote', 'add', '--repo', repo, '--set', 'osgit-token=s3cr3t-value', 'origin', 'https://example.com/']);
    const human = await osgitOk(['remote', 'show', '--repo', repo, 'origin']);
    const json = await osgitOk(['remote', 'show', '--repo', repo, 'origin', '--json']);
    expect(human.stdout).toBe('https://example.com/\nosgit-token=(hidden)\n');
    expect(json.stdout).not.toContain('s3cr3t');
    expect(config(repo)).toContain('osgit-token=s3cr3t-value\n');
  });

  it('adds nothing over an existing remote unless told to leave it be', async () => {
    const repo = await newRepo();
    await ostreeOk(['remote', 'add', `--repo=${repo}`, 'origin', 'http://first.example.com/']);
    const before = config(repo);
    const again = await osgit(['remote', 'add', '--repo', repo, 'origin', 'http://second.example.com/', '--json']);
    expect(again.code).toBe(2);
    expect(jsonOf(again.stdout).error.code).toBe('REMOTE_EXISTS');
    const kept = await osgit(['remote', 'add', '--repo', repo, '--if-not-exists', 'origin', 'http://second.example.com/', '--json']);
    expect(kept.code).toBe(0);
    expect(jsonOf(kept.stdout)).toMatchObject({ added: false, remote: { url: 'http://first.example.com/' } });
    expect(config(repo)).toBe(before);
  });

  const refusals: Array<[string, string[], string]> = [
    ['a remote name with a slash', ['a/b', 'http://x.example.com/'], 'REMOTE_INVALID'],
    ['a remote name starting with a dot', ['.hidden', 'http://x.example.com/'], 'REMOTE_INVALID'],
    ['a file:// URL', ['local', 'file:///srv/repo'], 'REMOTE_INVALID'],
    ['something that is not a URL', ['odd', 'not a url'], 'REMOTE_INVALID'],
    ['a URL with credentials', ['creds', 'https://user:pw@example.com/'], 'REMOTE_INVALID'],
    ['an unknown protocol', ['p', 'http://x.example.com/', '--set', 'osgit-protocol=fast'], 'REMOTE_INVALID'],
    ['a zero stall timeout', ['s', 'http://x.example.com/', '--set', 'osgit-stall-timeout-secs=0'], 'REMOTE_INVALID'],
    ['a --set without =', ['s', 'http://x.example.com/', '--set', 'novalue'], 'USAGE'],
    ['a contenturl that is not http', ['c', 'http://x.example.com/', '--set', 'contenturl=ftp://cdn/'], 'REMOTE_INVALID'],
  ];
  for (const [what, args, code] of refusals) {
    it(`refuses ${what} and writes nothing`, async () => {
      const repo = await newRepo();
      const before = config(repo);
      const r = await osgit(['remote', 'add', '--repo', repo, '--json', ...args]);
      expect(r.code).toBe(2);
      expect(jsonOf(r.stdout).error.code).toBe(code);
      expect(config(repo)).toBe(before);
    });
  }

  it('deletes only a remote that exists, unless --if-exists', async () => {
    const repo = await newRepo();
    const r = await osgit(['remote', 'delete', '--repo', repo, 'nope', '--json']);
    expect(r.code).toBe(2);
    expect(jsonOf(r.stdout).error.code).toBe('REMOTE_NOT_FOUND');
    const ok = await osgitOk(['remote', 'delete', '--repo', repo, '--if-exists', 'nope', '--json']);
    expect(jsonOf(ok.stdout)).toEqual({ name: 'nope', deleted: false });
    const show = await osgit(['remote', 'show', '--repo', repo, 'nope', '--json']);
    expect(jsonOf(show.stdout).error.code).toBe('REMOTE_NOT_FOUND');
  });
});
