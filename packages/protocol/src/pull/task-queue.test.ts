import { describe, expect, it } from 'vitest';
import { TaskQueue } from './task-queue.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('TaskQueue', () => {
  it('runs at most `limit` tasks at once, high priority first, including tasks pushed by tasks', async () => {
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const task = (q: TaskQueue, name: string, more?: () => void) => async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(name);
      await tick();
      more?.();
      running--;
    };
    // One slot: low1 starts at once; then the high tasks, the one high1 pushed included, before low2.
    const one = new TaskQueue(1);
    one.push(task(one, 'low1'), 'low');
    one.push(task(one, 'low2'), 'low');
    one.push(task(one, 'high1', () => one.push(task(one, 'high2'), 'high')), 'high');
    await one.idle();
    expect(order).toEqual(['low1', 'high1', 'high2', 'low2']);
    expect(peak).toBe(1);
    peak = 0;
    const two = new TaskQueue(2);
    for (let i = 0; i < 6; i++) two.push(task(two, `t${i}`));
    await two.idle();
    expect(peak).toBe(2);
  });

  it('after a failure starts nothing more, and rejects idle() only once the running tasks settled', async () => {
    const q = new TaskQueue(2);
    let slowDone = false;
    let startedAfter = false;
    q.push(async () => {
      await new Promise((r) => setTimeout(r, 30));
      slowDone = true;
    });
    q.push(async () => {
      throw new Error('boom');
    });
    q.push(async () => {
      startedAfter = true;
    });
    await expect(q.idle()).rejects.toThrow('boom');
    expect(slowDone).toBe(true);
    expect(startedAfter).toBe(false);
    expect(q.failed).toBe(true);
  });

  it('resolves idle() at once when empty', async () => {
    await new TaskQueue(1).idle();
  });
});
