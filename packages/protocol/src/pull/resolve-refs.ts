import { type Checksum, MAX_METADATA_SIZE, validateRefName } from '@osgit/store';
import { ProtocolError } from '../errors.js';
import type { HttpClient } from '../transport/http-client.js';
import { refPath, urlFor } from './dumb-layout.js';
import { parseRefFile, parseSummaryRefs, type SummaryRef } from './summary-refs.js';

export interface ResolvedRefs {
  /** requested ref -> commit, in the order asked */
  targets: Map<string, { commit: Checksum; commitSize?: number }>;
  /** the remote's summary and its signature, verbatim, when it has them (mirrors copy them) */
  summary: Buffer | null;
  summarySig: Buffer | null;
}

const REF_FILE_MAX = 4096;

/**
 * Finds the commits of `refs` on a dumb remote as ostree 2022.7 does (§5.1 steps 3 and 5):
 * `summary.sig` and `summary` (both optional), then each ref from the summary, else from
 * `refs/heads/<ref>`. With `all` (a mirror of every ref) the summary is required and lists them.
 */
export async function resolveRemoteRefs(
  http: HttpClient, baseUrl: string,
  opts: {
    refs: readonly string[]; all: boolean; signal?: AbortSignal;
    /** the remote verifies its summary: called with the raw summary and summary.sig (null when absent) before any ref is read from it; refs/heads/ is then never used */
    verifySummary?: (summary: Buffer | null, sig: Buffer | null) => Promise<void>;
  },
): Promise<ResolvedRefs> {
  for (const ref of opts.refs) validateRefName(ref); // REF_INVALID before any request
  const get = (path: string, maxBytes: number) => http.get(urlFor(baseUrl, path), { maxBytes, ...(opts.signal ? { signal: opts.signal } : {}) });
  const sig = await get('summary.sig', MAX_METADATA_SIZE);
  const sum = await get('summary', MAX_METADATA_SIZE);
  const summary = sum.found ? bytesOf(sum.body) : null;
  const summarySig = summary && sig.found ? bytesOf(sig.body) : null;
  if (opts.verifySummary) await opts.verifySummary(summary, sig.found ? bytesOf(sig.body) : null);
  const listed: Map<string, SummaryRef> | null = summary ? parseSummaryRefs(summary, urlFor(baseUrl, 'summary')) : null;

  const targets: ResolvedRefs['targets'] = new Map();
  if (opts.all) {
    if (!listed) {
      throw new ProtocolError('REMOTE_REF_NOT_FOUND', `${urlFor(baseUrl, 'summary')}: the remote has no summary, so its refs cannot be listed; name the refs to mirror`, { url: urlFor(baseUrl, 'summary') });
    }
    for (const [ref, r] of listed) targets.set(ref, { commit: r.commit, commitSize: r.commitSize });
    return { targets, summary, summarySig };
  }
  for (const ref of opts.refs) {
    if (listed) {
      const r = listed.get(ref);
      if (!r) throw notFound(ref, urlFor(baseUrl, 'summary'));
      targets.set(ref, { commit: r.commit, commitSize: r.commitSize });
      continue;
    }
    const url = urlFor(baseUrl, refPath(ref));
    const res = await get(refPath(ref), REF_FILE_MAX);
    if (!res.found) throw notFound(ref, url);
    targets.set(ref, { commit: parseRefFile(bytesOf(res.body), url) });
  }
  return { targets, summary, summarySig };
}

function notFound(ref: string, url: string): ProtocolError {
  return new ProtocolError('REMOTE_REF_NOT_FOUND', `the remote has no ref ${ref} (looked in ${url})`, { ref, url });
}

/** Small bodies are kept in memory (no spool folder is given for them). */
function bytesOf(body: { bytes: Buffer } | { path: string }): Buffer {
  if (!('bytes' in body)) throw new Error('unexpected spooled body');
  return body.bytes;
}
