/**
 * The one capability probe that tells a smart server (osgit serve) from a static one (nginx, a
 * CDN): GET /osgit/v1/capabilities answering osgit's JSON with the fetch operation.
 */
import type { Agent } from 'node:http';
import { SmartHttp } from './smart-http.js';

export interface SmartCapabilities {
  protocol: 'osgit';
  version: number;
  mode?: string;
  operations: string[];
  limits?: Record<string, number>;
}

/**
 * The server's capabilities when it speaks osgit's smart protocol version 1 with `operation`,
 * else null (a 404, or anything that is not the capabilities document). Network failures throw.
 */
export async function probeSmart(
  target: { url: string; agent?: Agent; stallTimeoutMs?: number },
  operation = 'fetch',
): Promise<SmartCapabilities | null> {
  const http = new SmartHttp({ baseUrl: target.url, ...(target.agent ? { agent: target.agent } : {}), stallTimeoutMs: target.stallTimeoutMs ?? 30_000 });
  let res;
  try {
    res = await http.get('capabilities', { missingOk: true });
  } catch (err) {
    // A static server may answer a path it does not have with 403 or 405 rather than 404.
    const status = (err as { data?: { status?: unknown } }).data?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) return null;
    throw err;
  }
  if (res === null) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
  } catch {
    return null;
  }
  const c = doc as Partial<SmartCapabilities> | null;
  if (c?.protocol !== 'osgit' || c.version !== 1 || !Array.isArray(c.operations) || !c.operations.includes(operation)) return null;
  return c as SmartCapabilities;
}
