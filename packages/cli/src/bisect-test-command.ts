import { spawn } from 'node:child_process';
import type { BisectTestExit, Checksum } from '@osgit/store';
import { CliError } from './errors.js';

/**
 * Characters that make git run a `bisect run` command through the shell as a command string
 * (run-command.c, prepare_shell_cmd); a name without them is a program.
 */
const SHELL_CHARS = /[|&;<>()$`\\"' \t\n*?[#~=%]/;

/**
 * How `osgit bisect run` runs its test, always through /bin/sh so that a missing command
 * answers 127 and a non-executable one 126, as in git:
 * - `run PROGRAM [ARGS...]` (PROGRAM without shell characters): `PROGRAM CHECKOUT ARGS...`, the
 *   checkout's path first;
 * - `run 'SHELL COMMAND'` (one argument with spaces or shell characters): `sh -c 'SHELL COMMAND' sh
 *   CHECKOUT`, so `$1` is the checkout's path inside it. Further arguments are refused there (put
 *   them in the string).
 * The commit under test is in $OSGIT_BISECT_COMMIT. The test runs in the caller's folder, so a
 * relative script path works; its output goes to stderr when stdout carries JSON.
 */
export function bisectTestCommand(argv: readonly string[]): (path: string, commit: Checksum, opts: { stdoutToStderr: boolean }) => Promise<BisectTestExit> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '') throw new CliError('USAGE', 'bisect run needs a command: osgit bisect run CMD [ARGS...]');
  const inline = SHELL_CHARS.test(command);
  if (inline && rest.length > 0) {
    throw new CliError('USAGE', 'a shell command string takes no further arguments: put them inside it (the checkout path is $1)', { command });
  }
  const script = inline ? command : `${command} "$@"`;
  return (path, commit, opts) =>
    new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', script, 'sh', path, ...rest], {
        stdio: ['ignore', opts.stdoutToStderr ? 2 : 1, 2],
        env: { ...process.env, OSGIT_BISECT_COMMIT: commit },
      });
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
}
