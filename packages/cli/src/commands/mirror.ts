import { Args, Flags } from '@oclif/core';
import { createMirror, REMOTE_PROTOCOLS, type CreateMirrorResult, type PullProgress, type RemoteProtocol } from '@osgit/protocol';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';
import { mirrorLines } from '../mirror-output.js';
import { pullProgressLine } from '../pull-progress.js';
import { trustFlags, trustOptions } from '../trust-flags.js';

export default class Mirror extends OsgitCommand<CreateMirrorResult> {
  static override description =
    'Create or update a mirror of a remote repository in DIR (archive mode): every ref (or REF...) with all history, '
    + 'detached metadata (signatures), summary and summary.sig verbatim, static deltas. Rerun to update it, or to complete a run that was killed';
  static override examples = [
    '<%= config.bin %> mirror https://example.com/repo ./mirror',
    '<%= config.bin %> mirror https://example.com/repo ./mirror os/x86_64/stable --depth 5',
    '<%= config.bin %> mirror http://127.0.0.1:8080/repo ./mirror --remote upstream --json',
    '<%= config.bin %> mirror https://example.com/repo ./mirror --gpg-import origin-key.asc --gpg-verify-summary',
  ];
  static override strict = false; // REF...
  static override args = {
    url: Args.string({ description: 'base URL of the repository to mirror (OSTree static layout, or osgit serve)', required: true }),
    dir: Args.string({ description: 'the mirror repository (created as an archive repository if it holds none)', required: true }),
    refs: Args.string({ description: 'refs to mirror (default: every ref of the remote\'s summary; then the summary and deltas are copied too)' }),
  };
  static override flags = {
    remote: Flags.string({ description: 'name of the remote in the mirror\'s config', default: 'origin' }),
    depth: Flags.integer({ description: 'parents to mirror beyond each ref\'s commit (-1: all history)', default: -1, min: -1 }),
    protocol: Flags.string({ description: 'auto (probe the server), smart or dumb', options: [...REMOTE_PROTOCOLS] }),
    'stall-timeout': Flags.integer({ description: 'seconds without a byte before a transfer is abandoned and retried (default 30)', min: 1 }),
    set: Flags.string({ description: 'set KEY=VALUE in the new remote group (repeatable)', multiple: true, multipleNonGreedy: true }),
    ...trustFlags,
  };

  async exec(): Promise<CreateMirrorResult> {
    const { args, argv, flags } = await this.parse(Mirror);
    const refs = (argv as string[]).slice(2);
    const set = (flags.set ?? []).map((kv): [string, string] => {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new CliError('USAGE', `--set takes KEY=VALUE, not ${JSON.stringify(kv)}`);
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    });
    const json = this.jsonEnabled();
    const bar = this.progress(`mirror ${args.url}`, 'objects');
    const started = Date.now();
    const onProgress = (p: PullProgress): void => {
      if (json) process.stderr.write(`${JSON.stringify({ progress: p })}\n`);
      else bar.update(p.objects, { detail: pullProgressLine(p, Date.now() - started) });
    };
    return createMirror({ onProgress }, {
      url: args.url,
      dir: args.dir,
      remote: flags.remote,
      refs,
      depth: flags.depth,
      set,
      trust: trustOptions(flags),
      ...(flags.protocol ? { protocol: flags.protocol as RemoteProtocol } : {}),
      ...(flags['stall-timeout'] ? { stallTimeoutSecs: flags['stall-timeout'] } : {}),
    });
  }

  protected override render(r: CreateMirrorResult): void {
    this.out(`${r.created ? 'Created' : 'Updated'} mirror ${r.path}`);
    for (const line of mirrorLines(r)) this.out(line);
  }
}
