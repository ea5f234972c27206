import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** `osgit/<version>`, the version of @osgit/protocol (read once, from its package.json). */
export function userAgent(): string {
  if (cached === undefined) {
    let version = '0';
    try {
      version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      /* a copy without its package.json still works; the agent just says version 0 */
    }
    cached = `osgit/${version}`;
  }
  return cached;
}
