/**
 * Progress of a pull, the same type for the dumb and the smart protocol, so the CLI draws one
 * bar for both. `objectsTotal`/`bytesTotal` are exact when the protocol says them up front
 * (smart: the fetch plan); the dumb protocol learns what to fetch while it walks the trees, so it
 * reports `objectsKnown` (found missing so far, a lower bound) and `bytesEstimate` instead.
 */
export interface PullProgress {
  phase: 'metadata' | 'content' | 'writing' | 'done';
  /** objects fetched and stored so far */
  objects: number;
  objectsTotal?: number;
  /** bytes received so far */
  bytes: number;
  bytesTotal?: number;
  /** dumb: objects found missing so far (fetched or still queued) */
  objectsKnown?: number;
  /** dumb: bytes to expect for objectsKnown, at the mean object size so far */
  bytesEstimate?: number;
}

export type ProgressSink = (p: PullProgress) => void;
