import type { Hook } from '@oclif/core';

/** An unknown command is a usage error like any other: one line, exit 2. */
const hook: Hook<'command_not_found'> = async function (opts) {
  process.stderr.write(`osgit: error: unknown command '${opts.id.replace(/:/g, ' ')}' (see 'osgit --help')\n`);
  process.exitCode = 2;
};

export default hook;
