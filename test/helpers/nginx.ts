// nginx serving a folder as static files, for tests (Debian's nginx; see scripts/nginx-static.mjs).
import { requireTool } from './tools.js';
// @ts-expect-error: a plain .mjs module shared with the benchmark, typed below.
import { startNginx as start } from '../../scripts/nginx-static.mjs';

export interface Nginx {
  /** base URL, ending in '/' */
  url: string;
  port: number;
  /** access-log lines so far, one per request */
  accessLog(): string[];
  stop(): Promise<void>;
}

/** True when nginx is installed; in CI a missing nginx fails the test instead (requireTool). */
export function haveNginx(): boolean {
  return requireTool('nginx') !== null;
}

/** Starts nginx serving `root` on 127.0.0.1 (a free port); stop() ends it. */
export function startNginx(root: string): Promise<Nginx> {
  return start(root) as Promise<Nginx>;
}
