import type { PullProgress } from '@osgit/protocol';

/** The text beside the pull's bar: phase, bytes, rate, and the total or an estimate of it. Pure. */
export function pullProgressLine(p: PullProgress, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (p.bytes / elapsedMs) * 1000 : 0;
  const parts = [p.phase, mib(p.bytes), `${mib(rate)}/s`];
  if (p.bytesTotal !== undefined) parts.push(`of ${mib(p.bytesTotal)}`);
  else if (p.bytesEstimate) parts.push(`of ~${mib(p.bytesEstimate)} (${p.objectsKnown ?? '?'} objects found so far)`);
  if (p.objectsTotal !== undefined) parts.push(`${p.objects}/${p.objectsTotal} objects`);
  return parts.join(', ');
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
