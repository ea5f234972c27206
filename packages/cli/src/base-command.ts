import { Command, Flags, type Interfaces } from '@oclif/core';
import { Repo } from '@osgit/store';
import { exitCodeFor, SUGGESTIONS } from './exit-codes.js';
import { createProgress, type Progress } from './progress.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof OsgitCommand)['baseFlags'] & T['flags']>;

/**
 * The shape every osgit command shares (after salesforcecli/plugin-org): `exec()` does the work
 * and returns a typed result; the base prints it for people, or as one JSON document with
 * --json; errors become one line on stderr and an exit code from one table.
 */
export abstract class OsgitCommand<T> extends Command {
  static override baseFlags = {
    repo: Flags.string({ description: 'repository path (default: $OSGIT_REPO, else found from the current folder)', helpGroup: 'GLOBAL' }),
    json: Flags.boolean({ description: 'print one JSON document instead of human output', helpGroup: 'GLOBAL' }),
    debug: Flags.boolean({ description: 'show stack traces on errors', helpGroup: 'GLOBAL' }),
  };

  protected jsonMode = false;

  abstract exec(): Promise<T>;

  /** Human output; the default prints nothing beyond what exec wrote. */
  protected render(_result: T): void {}

  override async run(): Promise<void> {
    this.jsonMode = this.argv.includes('--json');
    const debug = this.argv.includes('--debug');
    try {
      const result = await this.exec();
      if (this.jsonMode) process.stdout.write(JSON.stringify(result, jsonReplacer, 2) + '\n');
      else this.render(result);
    } catch (err) {
      const e = err as Error & { code?: string; oclif?: { exit?: number } };
      // oclif's own errors (bad flags, missing arguments) are usage errors: exit 2. A failed
      // parse must not also trigger oclif's "command did not parse" warning.
      const code = e.oclif ? 2 : exitCodeFor(e.code);
      (this as unknown as { parsed: boolean }).parsed = true;
      if (this.jsonMode) {
        process.stdout.write(JSON.stringify({ error: { code: e.code ?? 'INTERNAL', message: e.message } }, null, 2) + '\n');
      }
      process.stderr.write(`osgit: error: ${oneLine(e.message)}\n`);
      const hint = e.code ? SUGGESTIONS[e.code as keyof typeof SUGGESTIONS] : undefined;
      if (hint && !this.jsonMode) process.stderr.write(`hint: ${hint}\n`);
      if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
      process.exitCode = code;
    }
  }

  protected async openRepo(flagRepo: string | undefined): Promise<Repo> {
    return Repo.discover(flagRepo);
  }

  protected progress(label: string, unit: string, total?: number): Progress {
    return createProgress({ label, unit, enabled: !this.jsonMode, ...(total ? { total } : {}) });
  }

  protected out(line: string): void {
    process.stdout.write(line + '\n');
  }
}

/** Folds a multi-line message (oclif lists missing arguments on later lines) into one line. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^See more help with/.test(l))
    .join(' ');
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value) <= Number.MAX_SAFE_INTEGER ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}
