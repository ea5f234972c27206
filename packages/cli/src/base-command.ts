import { Command, Flags, type Interfaces } from '@oclif/core';
import { Repo } from '@osgit/store';
import { typedError, isExitRequest, type TypedError } from './errors.js';
import { exitCodeFor, SUGGESTIONS } from './exit-codes.js';
import { createProgress, type Progress } from './progress.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof OsgitCommand)['baseFlags'] & T['flags']>;

/** oclif's FlagOutput and ArgOutput, which its public interfaces do not export. */
type Output = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The shape every osgit command shares (after salesforcecli/plugin-org): `exec()` does the work
 * and returns a typed result; the base prints it for people, or oclif prints it as one JSON
 * document with --json (oclif's own `enableJsonFlag`). Errors become one line on stderr (and a
 * JSON error document on stdout with --json) and an exit status from one table; any progress
 * bar is cleared first, whatever the command was doing.
 */
export abstract class OsgitCommand<T> extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = {
    repo: Flags.string({ description: 'repository path (default: $OSGIT_REPO, else found from the current folder)', helpGroup: 'GLOBAL' }),
    debug: Flags.boolean({ description: 'show stack traces on errors', helpGroup: 'GLOBAL' }),
  };

  private debugEnabled = false;
  private readonly bars = new Set<Progress>();

  abstract exec(): Promise<T>;

  /** Human output; the default prints nothing beyond what exec wrote. */
  protected render(_result: T): void {}

  /**
   * The error a successful run still stands for (fsck that found damage): reported after the
   * result, through the same table, so the result is printed and the exit status says it failed.
   */
  protected failureOf(_result: T): TypedError | undefined {
    return undefined;
  }

  override async run(): Promise<T> {
    let result: T;
    try {
      result = await this.exec();
    } finally {
      this.stopProgress();
    }
    if (!this.jsonEnabled()) this.render(result);
    const failure = this.failureOf(result);
    if (failure) process.exitCode = this.report(failure);
    return result;
  }

  /** oclif calls this with whatever run() threw: print it our way, then leave with its status. */
  protected override async catch(err: Interfaces.CommandError): Promise<never> {
    this.stopProgress();
    if (isExitRequest(err)) throw err;
    const e = typedError(err);
    if (this.jsonEnabled()) this.logJson(this.toErrorJson(e));
    // this.exit throws oclif's ExitError: oclif then ends the process with that status and
    // prints nothing more.
    this.exit(this.report(e));
  }

  protected override toErrorJson(err: unknown): unknown {
    const e = typedError(err);
    const hint = this.hintFor(e);
    return {
      error: {
        code: e.code,
        message: e.message,
        exitCode: exitCodeFor(e.code),
        ...(hint ? { hint } : {}),
        ...(Object.keys(publicData(e)).length > 0 ? { data: publicData(e) } : {}),
      },
    };
  }

  /** One JSON document, plain (no colours), with bigints and bytes made printable. */
  protected override logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json, jsonReplacer, 2) + '\n');
  }

  /** Records --debug as oclif parsed it, for the error report. */
  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>, argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv);
    this.debugEnabled = (parsed.flags as { debug?: unknown }).debug === true;
    return parsed;
  }

  /** Writes the one error line (a hint under it for people, the stack with --debug); returns the exit status. */
  private report(e: TypedError): number {
    process.stderr.write(`osgit: error: ${e.message}\n`);
    const hint = this.hintFor(e);
    if (hint && !this.jsonEnabled()) process.stderr.write(`hint: ${hint}\n`);
    if (this.debugEnabled) {
      for (let c: unknown = e, label = ''; c instanceof Error; c = c.cause, label = 'caused by: ') {
        if (c.stack) process.stderr.write(`${label}${c.stack}\n`);
      }
    }
    return exitCodeFor(e.code);
  }

  private hintFor(e: TypedError): string | undefined {
    return SUGGESTIONS[e.code]?.replace('COMMAND', (this.id ?? 'COMMAND').replace(/:/g, ' '));
  }

  protected async openRepo(flagRepo: string | undefined): Promise<Repo> {
    return Repo.discover(flagRepo);
  }

  /** A progress bar on stderr (a terminal only, never with --json); cleared when the command ends, however it ends. */
  protected progress(label: string, unit: string, total?: number): Progress {
    const bar = createProgress({ label, unit, enabled: !this.jsonEnabled(), ...(total ? { total } : {}) });
    this.bars.add(bar);
    return bar;
  }

  private stopProgress(): void {
    for (const bar of this.bars) bar.stop();
    this.bars.clear();
  }

  protected out(line: string): void {
    process.stdout.write(line + '\n');
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value) <= Number.MAX_SAFE_INTEGER ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/**
 * The error's data as JSON output shows it: the operating system's errno name (`EACCES`) stays
 * in the cause, shown with --debug; the message already says it in words, and scripts key on
 * the stable `code`.
 */
function publicData(e: TypedError): Record<string, unknown> {
  const { errno: _errno, ...rest } = e.data;
  return rest;
}
