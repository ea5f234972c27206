/** The human output of `osgit commit` (both forms), the checksum last. */
export function commitLines(r: {
  branch: string | null;
  commit: string;
  stats: { files: number; dirs: number; bytesRead: number; objectsWritten: number; bytesWritten: number };
}): string[] {
  const s = r.stats;
  return [
    `${r.branch ?? '(orphan)'}: ${s.files} files, ${s.dirs} dirs, ${(s.bytesRead / 1e6).toFixed(1)} MB read; ${s.objectsWritten} new objects, ${(s.bytesWritten / 1e6).toFixed(1)} MB written`,
    r.commit,
  ];
}
