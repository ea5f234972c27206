import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import { openStaticFile, type Repo, type StaticFile, type StaticFileKind } from '@osgit/store';
import { ServerError } from '../errors.js';
import type { ServerLog } from '../log.js';
import { readSummaryFile, type SummaryPublishing } from '../summary-publish.js';
import { decodePathSegments } from '../request-path.js';
import { decideRange, isNotModified, strongEtag, type Validators } from './conditional.js';

/**
 * Cache lifetimes by kind. Content-addressed objects and deltas never change under their name:
 * cache them for a year. Everything else moves as the repository moves (refs, summary and its
 * signature, config, a commit's detached metadata gaining signatures, delta indexes): `no-cache`
 * lets any cache or CDN keep them but makes it revalidate (a cheap 304 thanks to the ETag) before
 * each use, so a pull right after a push never reads a stale ref or summary. A max-age of even
 * a few seconds would let a reader see a summary older than the refs it just pushed.
 */
const CACHE_CONTROL: Readonly<Record<StaticFileKind, string>> = {
  object: 'public, max-age=31536000, immutable',
  delta: 'public, max-age=31536000, immutable',
  config: 'public, no-cache',
  summary: 'public, no-cache',
  'summary-sig': 'public, no-cache',
  ref: 'public, no-cache',
  commitmeta: 'public, no-cache',
  'delta-index': 'public, no-cache',
};

/**
 * Serves OSTree's static layout of `res.locals.repo` (see classifyStaticPath in the store):
 * GET and HEAD, with ETag / Last-Modified, If-None-Match / If-Modified-Since (304), one byte
 * Range (206, 416 past the end) and If-Range. Anything else is 404 (405 for other methods),
 * with a JSON error body. Files are streamed, never read whole.
 *
 * A bare or bare-user repository has no `.filez` objects on disk: those requests are 404, as
 * from nginx on the same folder (the request log says why). Dumb HTTP is for archive repositories
 * (ostree itself refuses to pull from another mode); the smart protocol serves every mode.
 *
 * With signing keys or an expiry, `summary` and `summary.sig` are opened through
 * readSummaryFile: after the server made sure they are its own and current, never while it
 * publishes, so a reader never gets a summary.sig that does not sign the summary of that moment.
 */
export const staticFileRoute = (summary: SummaryPublishing, log: ServerLog): RequestHandler => async (req, res, next) => {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      throw new ServerError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here: the repository's files are read-only (GET, HEAD)`);
    }
    const repo = res.locals.repo as Repo;
    const segments = decodePathSegments(req.path);
    const rel = segments.join('/');
    const open = () => openStaticFile(repo, rel);
    const file = segments.some((s) => s.includes('/') || s.includes('\\')) ? null : rel === 'summary' || rel === 'summary.sig'
      ? await readSummaryFile(repo, summary, open, (err) => log.error(err, { method: req.method, path: req.originalUrl }))
      : await open();
    if (!file) {
      if (repo.mode !== 'archive' && /\.filez$/.test(req.path)) {
        res.locals.note = `repository mode is ${repo.mode}: no .filez objects on disk (dumb HTTP serves archive repositories; use the smart protocol)`;
      }
      throw new ServerError('NOT_FOUND', `not found: ${req.path}`);
    }
    await answer(req, res, file);
  } catch (err) {
    next(err);
  }
};

/** Files up to this size are read in one go and sent with the headers, not streamed. */
const SMALL_FILE_BYTES = 64 * 1024;

async function answer(req: Request, res: Response, file: StaticFile): Promise<void> {
  let streaming = false;
  try {
    const v: Validators = { etag: strongEtag(file), lastModified: file.mtime };
    res.setHeader('ETag', v.etag);
    res.setHeader('Last-Modified', v.lastModified.toUTCString());
    res.setHeader('Cache-Control', CACHE_CONTROL[file.kind]);
    res.setHeader('Accept-Ranges', 'bytes');
    if (isNotModified({ ifNoneMatch: req.get('if-none-match'), ifModifiedSince: req.get('if-modified-since') }, v)) {
      res.status(304).end();
      return;
    }
    const range = decideRange({ range: req.get('range'), ifRange: req.get('if-range') }, file.size, v);
    if (range.kind === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${file.size}`);
      throw new ServerError('RANGE_NOT_SATISFIABLE', `range not satisfiable: the file is ${file.size} bytes`);
    }
    res.type('application/octet-stream');
    if (range.kind === 'partial') {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
      res.setHeader('Content-Length', String(range.end - range.start + 1));
    } else {
      res.status(200);
      res.setHeader('Content-Length', String(file.size));
    }
    if (req.method === 'HEAD' || file.size === 0) {
      res.end();
      return;
    }
    const part = range.kind === 'partial' ? range : undefined;
    const length = part ? part.end - part.start + 1 : file.size;
    if (length <= SMALL_FILE_BYTES) {
      // Most requests of a pull (metadata objects, small files): one read, one write.
      streaming = true; // readSmall closes the file
      const bytes = await file.readSmall(part);
      if (bytes.length !== length) {
        res.locals.note = `file shrank while being served (${bytes.length} of ${length} bytes)`;
        res.destroy();
        return;
      }
      res.end(bytes);
      return;
    }
    streaming = true;
    const body = file.stream(part);
    try {
      await pipeline(body, res);
    } catch (err) {
      // A client that went away mid-file is no error of ours; a read failure cuts the response
      // (the status is long sent), so the client sees a short body, never a complete-looking one.
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        res.locals.note = `read failed after the headers were sent: ${(err as Error).message}`;
        res.destroy();
      }
    }
  } finally {
    if (!streaming) await file.close();
  }
}
