/**
 * Entry point of a checkout's helper thread (see helper-thread.ts). It opens the repository
 * while the main thread plans, receives the units, and claims them alongside the main thread,
 * unless the main thread has already finished them all (then it does nothing).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Repo } from '../repo/repo.js';
import { FileWriter, type WriteOptions } from './file-writer.js';
import { CTL, HELPER, runUnits, serializeError, type Unit } from './units.js';
import type { HelperData, HelperReply } from './helper-thread.js';

const data = workerData as HelperData;
const ctl = new Int32Array(data.ctl);
const port = parentPort!;
const reply = (m: HelperReply): void => port.postMessage(m);
const opening = Repo.open(data.repoPath).then((repo) => new FileWriter(repo, data.opts as WriteOptions));
// A failure to open is reported when the units arrive, not left unhandled.
opening.catch(() => undefined);

port.once('message', (m: { units: Unit[] }) => {
  void (async () => {
    if (Atomics.compareExchange(ctl, CTL.HELPER, HELPER.IDLE, HELPER.RUNNING) !== HELPER.IDLE) return reply({ done: true });
    try {
      const writer = await opening;
      await runUnits(writer, m.units, ctl);
      reply({ done: true });
    } catch (err) {
      Atomics.store(ctl, CTL.ABORT, 1);
      reply({ done: false, error: serializeError(err) });
    }
  })();
});
