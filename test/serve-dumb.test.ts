// `osgit serve`'s dumb HTTP side, as a client sees it over real sockets: OSTree's static layout
// byte for byte, validators and conditional requests, ranges, methods, cache headers by kind,
// and nothing outside the layout, whatever the path tries.
import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixtureTree, LARGE_FILE_SIZE } from './helpers/fixture.js';
import { errorCodeOf, rawRequest, type RawResponse } from './helpers/http-request.js';
import { osgitCommit, osgitInit } from './helpers/osgit.js';
import { startServe, type Served } from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';
import { osgitOk } from './helpers/tools.js';

const tmp = tempDirs('serve-dumb');
const SECRET = 'SECRET-CONTENT-THAT-MUST-NEVER-BE-SERVED';
let repo: string;
let commit: string;
let served: Served;
let url: string;
/** The `.filez` object of the fixture's large file (the biggest file in objects/). */
let bigObject: string;

const get = (path: string, headers: Record<string, string> = {}) => rawRequest(url, path, { headers });

function objectFiles(ext: string): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(join(repo, 'objects'))) {
    for (const name of readdirSync(join(repo, 'objects', dir))) if (name.endsWith(`.${ext}`)) out.push(`objects/${dir}/${name}`);
  }
  return out.sort();
}

beforeAll(async () => {
  const base = tmp.make('repo');
  repo = join(base, 'repo');
  const tree = makeFixtureTree(join(base, 'tree'), { bigFiles: true }).root;
  await osgitInit(repo, 'archive');
  commit = await osgitCommit(repo, ['-b', 'test/main', '--timestamp=@1577836800', `--tree=dir=${tree}`]);
  await osgitOk(['summary', '--repo', repo, '-u']);
  // Things a static server must never hand out: below the repository but outside the layout,
  // and outside the repository altogether, reached through symbolic links in refs/.
  for (const dir of ['tmp', 'state', 'osgit', 'extensions']) {
    mkdirSync(join(repo, dir), { recursive: true });
    writeFileSync(join(repo, dir, 'secret'), SECRET);
  }
  writeFileSync(join(repo, '.lock'), SECRET);
  writeFileSync(join(repo, 'refs', 'heads', '.hidden'), SECRET);
  writeFileSync(join(base, 'outside'), SECRET);
  symlinkSync(join(base, 'outside'), join(repo, 'refs', 'heads', 'escape'));
  symlinkSync('../../tmp/secret', join(repo, 'refs', 'heads', 'into-tmp'));
  symlinkSync('test', join(repo, 'refs', 'heads', 'test-alias')); // a folder: not a file
  bigObject = objectFiles('filez').reduce((a, b) => (statSync(join(repo, a)).size >= statSync(join(repo, b)).size ? a : b));
  served = await startServe({ repo });
  url = served.url;
});

afterAll(async () => {
  await served?.stop();
  await tmp.cleanup();
});

function expectNotServed(res: RawResponse, path: string): void {
  expect([400, 404], `${path} answered ${res.status}`).toContain(res.status);
  expect(res.body.toString('latin1')).not.toContain(SECRET);
  expect(errorCodeOf(res), `${path}: ${res.body.toString()}`).toMatch(/^(NOT_FOUND|BAD_REQUEST)$/);
}

describe('osgit serve: the static layout', () => {
  it('serves config, summary, refs and every object byte for byte as they are on disk', async () => {
    const paths = ['config', 'summary', 'refs/heads/test/main', ...objectFiles('commit'), ...objectFiles('dirtree'), ...objectFiles('dirmeta'), ...objectFiles('filez')];
    for (const path of paths) {
      const res = await get(`/${path}`);
      expect(res.status, path).toBe(200);
      expect(res.body.equals(readFileSync(join(repo, path))), path).toBe(true);
      expect(res.headers['content-length']).toBe(String(res.body.length));
      expect(res.headers['content-type']).toBe('application/octet-stream');
    }
    expect((await get('/refs/heads/test/main')).body.toString()).toBe(`${commit}\n`);
  });

  it('streams a large object whole', async () => {
    const res = await get(`/${bigObject}`);
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(LARGE_FILE_SIZE / 2); // pseudo-random data barely compresses
    expect(res.body.equals(readFileSync(join(repo, bigObject)))).toBe(true);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const full = await get(`/${bigObject}`);
    const head = await rawRequest(url, `/${bigObject}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const h of ['content-length', 'etag', 'last-modified', 'cache-control', 'content-type', 'accept-ranges']) {
      expect(head.headers[h], h).toBe(full.headers[h]);
    }
  });

  it('caches content-addressed objects for a year and revalidates everything that moves', async () => {
    const immutable = 'public, max-age=31536000, immutable';
    expect((await get(`/${objectFiles('commit')[0]}`)).headers['cache-control']).toBe(immutable);
    expect((await get(`/${bigObject}`)).headers['cache-control']).toBe(immutable);
    for (const path of ['/config', '/summary', '/refs/heads/test/main']) {
      expect((await get(path)).headers['cache-control'], path).toBe('public, no-cache');
    }
  });

  it('gives each file a strong ETag and Last-Modified, and answers 304 when they match', async () => {
    const first = await get('/refs/heads/test/main');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(new Date(first.headers['last-modified'] as string).getTime()).toBe(Math.floor(statSync(join(repo, 'refs/heads/test/main')).mtimeMs / 1000) * 1000);
    const byEtag = await get('/refs/heads/test/main', { 'if-none-match': etag });
    expect(byEtag.status).toBe(304);
    expect(byEtag.body.length).toBe(0);
    expect(byEtag.headers.etag).toBe(etag);
    expect((await get('/refs/heads/test/main', { 'if-none-match': '"other", ' + etag })).status).toBe(304);
    expect((await get('/refs/heads/test/main', { 'if-none-match': '"other"' })).status).toBe(200);
    const byDate = await get('/summary', { 'if-modified-since': (await get('/summary')).headers['last-modified'] as string });
    expect(byDate.status).toBe(304);
    expect((await get('/summary', { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status).toBe(200);
  });

  it('gives a ref a new ETag when it moves, even to a ref file of the same size in the same second', async () => {
    const tree = makeFixtureTree(join(tmp.make('tree2'), 't'), { bigFiles: false }).root;
    const scratch = join(tmp.make('etag'), 'repo');
    await osgitInit(scratch, 'archive');
    await osgitCommit(scratch, ['-b', 'a', '--timestamp=@1577836800', `--tree=dir=${tree}`]);
    const s = await startServe({ repo: scratch });
    try {
      const before = await rawRequest(s.url, '/refs/heads/a');
      writeFileSync(join(scratch, 'refs/heads/a.new'), '0'.repeat(64) + '\n');
      const { renameSync } = await import('node:fs');
      renameSync(join(scratch, 'refs/heads/a.new'), join(scratch, 'refs/heads/a'));
      const after = await rawRequest(s.url, '/refs/heads/a', { headers: { 'if-none-match': before.headers.etag as string } });
      expect(after.status).toBe(200);
      expect(after.body.toString()).toBe('0'.repeat(64) + '\n');
    } finally {
      await s.stop();
    }
  });

  it('serves one byte range as 206 with Content-Range, and 416 past the end', async () => {
    const bytes = readFileSync(join(repo, bigObject));
    const mid = await get(`/${bigObject}`, { range: 'bytes=1000-1999' });
    expect(mid.status).toBe(206);
    expect(mid.headers['content-range']).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(mid.body.equals(bytes.subarray(1000, 2000))).toBe(true);
    const open = await get(`/${bigObject}`, { range: `bytes=${bytes.length - 10}-` });
    expect(open.status).toBe(206);
    expect(open.body.equals(bytes.subarray(bytes.length - 10))).toBe(true);
    const suffix = await get(`/${bigObject}`, { range: 'bytes=-100' });
    expect(suffix.status).toBe(206);
    expect(suffix.body.equals(bytes.subarray(bytes.length - 100))).toBe(true);
    const past = await get(`/${bigObject}`, { range: `bytes=${bytes.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${bytes.length}`);
    expect(errorCodeOf(past)).toBe('RANGE_NOT_SATISFIABLE');
    // If-Range naming another version: the whole file.
    const stale = await get(`/${bigObject}`, { range: 'bytes=0-9', 'if-range': '"stale"' });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(bytes.length);
    const fresh = await get(`/${bigObject}`, { range: 'bytes=0-9', 'if-range': mid.headers.etag as string });
    expect(fresh.status).toBe(206);
  });

  it('refuses other methods with 405 and Allow: GET, HEAD', async () => {
    for (const method of ['PUT', 'POST', 'DELETE', 'PATCH']) {
      const res = await rawRequest(url, '/refs/heads/test/main', { method, body: 'x'.repeat(64) });
      expect(res.status, method).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(errorCodeOf(res)).toBe('METHOD_NOT_ALLOWED');
    }
    expect(readFileSync(join(repo, 'refs/heads/test/main'), 'utf8')).toBe(`${commit}\n`);
  });

  it('answers a missing object with a JSON 404', async () => {
    const res = await get(`/objects/00/${'0'.repeat(62)}.commit`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(errorCodeOf(res)).toBe('NOT_FOUND');
    expect((await get(`/objects/00/${'0'.repeat(62)}.filez`)).status).toBe(404);
    expect((await get('/refs/heads/no/such/ref')).status).toBe(404);
    expect((await get('/summary.sig')).status).toBe(404); // none was made
  });

  it('never serves anything outside the layout, however the path is spelled', async () => {
    const attempts = [
      '/../config', '/%2e%2e/config', '/refs/../config', '/objects/../tmp/secret', '/tmp/secret', '/tmp/..',
      '/state/secret', '/osgit/secret', '/extensions/secret', '/.lock', '/refs/heads/.hidden', '/refs/heads/escape',
      '/refs/heads/into-tmp', '/refs/heads/test-alias', '/refs/heads/', '/refs/heads', '/refs', '/objects',
      `/objects/${bigObject.slice(8, 10)}`, '/refs/heads/%2e%2e/%2e%2e/tmp/secret', '/refs/heads/..%2f..%2ftmp%2fsecret',
      '/objects/%2e%2e/tmp/secret', '//tmp/secret', '/refs//heads/test/main', '/config/', '/summary.sig/..',
      '/refs/heads/test/main%00', '/%', '/refs/heads/%zz', '/osgit/v1/../../tmp/secret',
      `/${bigObject}.lock`, `/${bigObject.replace('.filez', '.file')}`, `/objects/XX/${'0'.repeat(62)}.commit`,
    ];
    for (const path of attempts) expectNotServed(await get(path), path);
    expect((await get('/%')).status).toBe(400);
    expect((await get('/refs/heads/test/main%00')).status).toBe(400);
  });

  it('logs one JSON line per request: time, method, path, status, bytes, ms, remote address', async () => {
    const path = `/${objectFiles('dirmeta')[0]}?probe=${Date.now()}`;
    await get(path);
    const line = await served.waitForLog((l) => l.path === path);
    expect(line).toMatchObject({ method: 'GET', status: 200, remote: '127.0.0.1', bytes: statSync(join(repo, path.slice(1, path.indexOf('?')))).size });
    expect(typeof line!.ms).toBe('number');
    expect(Number.isNaN(Date.parse(line!.time as string))).toBe(false);
  });
});
