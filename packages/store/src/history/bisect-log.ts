import type { Repo } from '../repo/repo.js';
import { requireBisectState } from './bisect-state.js';

/**
 * The log of the bisection in progress (`osgit bisect log`): each mark as a comment naming the
 * commit and its subject, then the command that replays it; the answer, once there is one.
 */
export async function bisectLog(repo: Repo): Promise<string[]> {
  return (await requireBisectState(repo)).log;
}
