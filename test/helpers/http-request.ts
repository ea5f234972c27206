/**
 * One raw HTTP request with node:http, the path sent exactly as given (no normalization of
 * `..` or percent-encoding, unlike fetch and curl), for tests of what a server answers.
 */
import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** Sends METHOD `path` (raw) to the server at `baseUrl` (only its host and port are used). */
export function rawRequest(baseUrl: string, path: string, opts: RawRequestOptions = {}): Promise<RawResponse> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: opts.method ?? 'GET',
        path,
        headers: { ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The JSON error body `{ error: { code, message } }` of a response, or null when it is not one. */
export function errorCodeOf(res: RawResponse): string | null {
  try {
    const j = JSON.parse(res.body.toString('utf8')) as { error?: { code?: unknown } };
    return typeof j.error?.code === 'string' ? j.error.code : null;
  } catch {
    return null;
  }
}
