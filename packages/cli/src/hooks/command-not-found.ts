import type { Hook } from '@oclif/core';
import { exitCodeFor, SUGGESTIONS } from '../exit-codes.js';

/** An unknown command is a usage error like any other: one line, the UNKNOWN_COMMAND status (2). */
const hook: Hook<'command_not_found'> = async function (opts) {
  process.stderr.write(`osgit: error: unknown command '${opts.id.replace(/:/g, ' ')}' (${SUGGESTIONS.UNKNOWN_COMMAND})\n`);
  process.exitCode = exitCodeFor('UNKNOWN_COMMAND');
};

export default hook;
