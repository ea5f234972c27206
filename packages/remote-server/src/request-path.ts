import { ServerError } from './errors.js';

/**
 * Splits a URL path (as received, percent-encoded, starting with `/`) into decoded segments:
 * `/refs/heads/a%2Db` -> ['refs', 'heads', 'a-b']. Empty segments (`//`, a trailing `/`) are
 * kept as '' so that whoever matches the segments refuses them. Bad percent-encoding and NUL
 * bytes are a BAD_REQUEST (400); a segment that decodes to something holding `/` or `\` is
 * kept as is and so matches no servable name (404, as `..` does).
 */
export function decodePathSegments(rawPath: string): string[] {
  if (!rawPath.startsWith('/')) throw new ServerError('BAD_REQUEST', 'the request path must start with /');
  return rawPath
    .slice(1)
    .split('/')
    .map((segment) => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        throw new ServerError('BAD_REQUEST', 'malformed percent-encoding in the request path');
      }
      if (decoded.includes('\0')) throw new ServerError('BAD_REQUEST', 'NUL byte in the request path');
      return decoded;
    });
}
