import { updateSummary, type Repo, type SummaryResult } from '@osgit/store';

/** One publish at a time per repository, and one more queued at most (see publishSummary). */
const queues = new Map<string, { running: Promise<SummaryResult>; next?: Promise<SummaryResult> }>();

/**
 * Regenerates the repository's `summary` after refs moved (the last step of a push): objects are
 * already in `objects/` (Transaction.commit renames them in before moving refs), the refs point
 * at them, and now the summary names those refs; a reader never meets a summary that names a
 * commit whose objects are missing. The summary is written atomically (temp + rename).
 *
 * Pushes that end together share the work: a call made while a regeneration runs waits for one
 * more regeneration, started after the running one ends, so it reads refs at least as new as
 * the caller's, and any number of such callers share that one.
 */
export function publishSummary(repo: Repo): Promise<SummaryResult> {
  const q = queues.get(repo.path);
  if (!q) {
    const running = updateSummary(repo);
    const entry: { running: Promise<SummaryResult>; next?: Promise<SummaryResult> } = { running };
    queues.set(repo.path, entry);
    void running.then(settle, settle);
    function settle() {
      if (queues.get(repo.path) === entry && !entry.next) queues.delete(repo.path);
    }
    return running;
  }
  if (!q.next) {
    const next = q.running.then(() => undefined, () => undefined).then(() => {
      queues.delete(repo.path);
      return publishSummary(repo);
    });
    q.next = next;
  }
  return q.next;
}
