import { describe, expect, it } from 'vitest';
import { pullProgressLine } from './pull-progress.js';

const MiB = 1024 * 1024;

describe('the pull progress line', () => {
  it('shows phase, bytes, rate, the known total, objects and the time left', () => {
    // 10 MiB in 2 s is 5 MiB/s; 30 MiB left at that rate is 6 s.
    const line = pullProgressLine({ phase: 'content', objects: 100, objectsTotal: 400, bytes: 10 * MiB, bytesTotal: 40 * MiB }, 2000);
    expect(line).toBe('content, 10.0 MiB, 5.0 MiB/s, of 40.0 MiB, 100/400 objects, ~6 s left');
  });

  it('marks an estimated total as such (the dumb protocol cannot know it up front)', () => {
    const line = pullProgressLine({ phase: 'content', objects: 10, bytes: 1 * MiB, bytesEstimate: 3 * MiB, objectsKnown: 30 }, 1000);
    expect(line).toBe('content, 1.0 MiB, 1.0 MiB/s, of ~3.0 MiB (30 objects found so far), ~2 s left');
  });

  it('shows no time left before anything arrived', () => {
    expect(pullProgressLine({ phase: 'metadata', objects: 0, bytes: 0, bytesTotal: 5 * MiB }, 0)).toBe('metadata, 0.0 MiB, 0.0 MiB/s, of 5.0 MiB');
  });
});
