import type { MirrorPullResult } from '@osgit/protocol';

/** Human lines of a mirror pull (`osgit mirror`, `osgit pull --mirror`): refs, then what was copied besides objects. */
export function mirrorLines(r: MirrorPullResult): string[] {
  const lines: string[] = [];
  for (const ref of r.refs) {
    const change = ref.old === ref.commit ? 'unchanged' : ref.old ? `${ref.old.slice(0, 10)} -> ${ref.commit}` : `new ${ref.commit}`;
    lines.push(`${ref.localRef}: ${change}`);
  }
  if (r.detachedMetadataUpdated.length > 0) lines.push(`detached metadata (signatures) updated for ${r.detachedMetadataUpdated.length} commit(s)`);
  if (r.deltas.copied.length > 0 || r.deltas.indexes > 0) lines.push(`${r.deltas.copied.length} static delta(s) and ${r.deltas.indexes} delta index(es) copied`);
  lines.push(r.summaryCopied ? 'summary and its signature copied verbatim' : 'ref filter: the summary and static deltas were not copied');
  lines.push(`${r.objects} objects, ${formatBytes(r.bytes)} fetched over the ${r.protocol} protocol in ${(r.durationMs / 1000).toFixed(1)} s`);
  return lines;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
