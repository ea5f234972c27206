import type { PullProgress } from '@osgit/protocol';

/** The text beside the pull's bar: phase, bytes, rate, the total (or an estimate of it) and the time left. Pure. */
export function pullProgressLine(p: PullProgress, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (p.bytes / elapsedMs) * 1000 : 0;
  const parts = [p.phase, mib(p.bytes), `${mib(rate)}/s`];
  if (p.bytesTotal !== undefined) parts.push(`of ${mib(p.bytesTotal)}`);
  else if (p.bytesEstimate) parts.push(`of ~${mib(p.bytesEstimate)} (${p.objectsKnown ?? '?'} objects found so far)`);
  if (p.objectsTotal !== undefined) parts.push(`${p.objects}/${p.objectsTotal} objects`);
  const total = p.bytesTotal ?? p.bytesEstimate;
  if (total !== undefined && rate > 0 && total > p.bytes) parts.push(`~${Math.ceil((total - p.bytes) / rate)} s left`);
  return parts.join(', ');
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
