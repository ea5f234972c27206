import type { GraphNode } from './commit-graph.js';

/**
 * Commits ordered newest first by commit timestamp, ties first-in first-out: the order of git's
 * commit-date priority queue, which its history walks (paint_down_to_common, rev-list) use.
 */
export class DateQueue {
  private readonly heap: Array<{ node: GraphNode; seq: number; counted: boolean }> = [];
  private seq = 0;
  /** entries pushed with `counted` and not popped yet (see push) */
  counted = 0;

  get size(): number {
    return this.heap.length;
  }

  /**
   * Queues `node`. `counted` entries are tallied in `counted` until popped: walks count the
   * entries that still matter (not stale, not excluded) when pushed, so "none left" is O(1)
   * instead of a scan per step; flags only grow, so the tally can only overstate, never miss one.
   */
  push(node: GraphNode, counted = false): void {
    const h = this.heap;
    if (counted) this.counted++;
    h.push({ node, seq: this.seq++, counted });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): GraphNode | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    if (top.counted) this.counted--;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top.node;
  }
}

function before(a: { node: GraphNode; seq: number }, b: { node: GraphNode; seq: number }): boolean {
  if (a.node.timestamp !== b.node.timestamp) return a.node.timestamp > b.node.timestamp;
  return a.seq < b.seq;
}
