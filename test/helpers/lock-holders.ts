/**
 * Processes that hold the repository lock for the lock tests: libostree itself (through its
 * GObject bindings, test/helpers/ostree-lock.py) or osgit's store (test/helpers/osgit-lock.mjs).
 * Each one says when it holds the lock by a line on stdout, so tests wait for that, never sleep.
 */
import { fileURLToPath } from 'node:url';
import { requireTool, run, start, type RunResult, type Started } from './tools.js';

const OSTREE_LOCK_PY = fileURLToPath(new URL('./ostree-lock.py', import.meta.url));
const OSGIT_LOCK_MJS = fileURLToPath(new URL('./osgit-lock.mjs', import.meta.url));
const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * /usr/bin/python3 when it can load libostree's bindings, else null (skip); under CI a missing
 * binding is an error naming the Debian packages.
 */
export async function requireOstreeBindings(): Promise<string | null> {
  if (!requireTool(SYSTEM_PYTHON)) return null;
  const r = await run(SYSTEM_PYTHON, ['-c', "import gi; gi.require_version('OSTree', '1.0'); from gi.repository import OSTree"]);
  if (r.code === 0) return SYSTEM_PYTHON;
  const message =
    "REQUIRED TOOL MISSING: libostree's Python bindings do not load (install the Debian packages " +
    `'python3-gi' and 'gir1.2-ostree-1.0'): ${r.stderr.trim().split('\n').pop()}`;
  if (process.env.CI) throw new Error(message);
  console.warn(`[skip] ${message}`);
  return null;
}

export type LockKind = 'shared' | 'exclusive';

/** A started process that prints readiness lines. */
export interface Holder extends Started {
  /** Resolves with the first stdout line starting with `prefix`; rejects if the process exits first. */
  line(prefix: string): Promise<string>;
  /** Closes its stdin (a holder then releases and exits) and waits for it to exit. */
  finish(): Promise<RunResult>;
}

function holder(started: Started): Holder {
  let out = '';
  const waiters: Array<() => void> = [];
  started.child.stdout?.on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  const line = (prefix: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = out.split('\n').slice(0, -1).find((l) => l.startsWith(prefix));
        if (found !== undefined) return resolve(found);
        waiters.push(check);
      };
      check();
      void started.done.then((r) => {
        const found = out.split('\n').find((l) => l.startsWith(prefix));
        if (found !== undefined) resolve(found);
        else reject(new Error(`exited (${r.code}) before printing '${prefix}':\n${r.stdout}\n${r.stderr}`));
      });
    });
  return {
    ...started,
    line,
    finish: () => {
      started.child.stdin?.end();
      return started.done;
    },
  };
}

/** libostree's own lock code: `hold` keeps the lock until finish(); `try` waits as lock-timeout-secs says. */
export function ostreeLock(python: string, repo: string, kind: LockKind, action: 'hold' | 'try'): Holder {
  return holder(start(python, [OSTREE_LOCK_PY, repo, kind, action], { keepStdinOpen: true }));
}

/** The store's lock code in a process of its own (see osgit-lock.mjs for the actions). */
export function osgitLock(args: readonly string[], opts: { wrap?: readonly string[] } = {}): Holder {
  const cmd = [...(opts.wrap ?? []), process.execPath, OSGIT_LOCK_MJS, ...args];
  return holder(start(cmd[0]!, cmd.slice(1), { keepStdinOpen: true }));
}
