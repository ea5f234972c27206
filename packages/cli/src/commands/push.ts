import { Args, Flags } from '@oclif/core';
import { getRemote, push, type PushProgress, type PushRefSpec, type PushResult } from '@osgit/protocol';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';

export default class Push extends OsgitCommand<PushResult> {
  static override description =
    "Push local commits to refs of a remote served by `osgit serve` (smart protocol): sends only what the server lacks, then moves the refs by compare-and-swap (fast-forward only unless --force). Token: $OSGIT_TOKEN, else the remote's osgit-token key";
  static override examples = [
    '<%= config.bin %> push --repo repo origin os/x86_64/stable',
    '<%= config.bin %> push --repo repo origin build/42:os/x86_64/stable     # local ref build/42 to the server\'s os/x86_64/stable',
    'OSGIT_TOKEN=$(cat token) <%= config.bin %> push --repo repo origin os/main --force',
  ];
  static override strict = false;
  static override args = {
    remote: Args.string({ description: 'remote name (osgit remote add)', required: true }),
    refspec: Args.string({ description: '[LOCAL:]REMOTE_REF, repeatable: LOCAL is any revision (default: the same name)', required: true }),
  };
  static override flags = {
    force: Flags.boolean({ description: 'allow updates that are not fast-forwards (the token must allow force)' }),
  };

  async exec(): Promise<PushResult> {
    const { args, argv, flags } = await this.parse(Push);
    const repo = await this.openRepo(flags.repo);
    const remote = await getRemote(repo, args.remote);
    const refspecs = (argv as string[]).slice(1).map(parseRefSpec);
    const token = process.env.OSGIT_TOKEN || remote.token;
    const bar = this.progress('pushing', 'objects');
    let lastJson = 0;
    let lastPhase: PushProgress['phase'] | undefined;
    const onProgress = (p: PushProgress): void => {
      if (this.jsonEnabled()) {
        // JSON lines on stderr: every phase change, and at most 4 a second in between.
        const now = Date.now();
        if (p.phase !== lastPhase || now - lastJson >= 250 || p.objects === p.totalObjects) {
          lastJson = now;
          lastPhase = p.phase;
          process.stderr.write(JSON.stringify({ progress: { operation: 'push', ...p } }) + '\n');
        }
      } else if (p.phase === 'sending') {
        bar.update(p.objects, { detail: `${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}` });
      }
    };
    try {
      return await push({ repo, onProgress }, { remote: remote.name, url: remote.url, refspecs, force: flags.force, ...(token ? { token } : {}) });
    } finally {
      bar.stop();
    }
  }

  protected override render(r: PushResult): void {
    if (r.upToDate) {
      this.out(`Everything up to date at ${r.url}`);
    } else {
      this.out(`Sent ${r.objectsSent} objects (${formatBytes(r.bytesSent)}); the server stored ${r.objectsStored} new`);
    }
    if (!r.summaryUpdated) process.stderr.write('warning: the server moved the refs but could not regenerate its summary; ostree clients see the old refs until it does\n');
    for (const ref of r.refs) {
      const from = ref.old ? ref.old.slice(0, 12) : '(new)';
      this.out(`  ${ref.status.padEnd(12)} ${ref.ref}: ${from} -> ${ref.new.slice(0, 12)}`);
    }
  }
}

/** `[LOCAL:]REMOTE_REF`, split at the last colon (a local revision may itself be `remote:ref`). */
function parseRefSpec(text: string): PushRefSpec {
  const colon = text.lastIndexOf(':');
  const local = colon < 0 ? text : text.slice(0, colon);
  const remote = colon < 0 ? text : text.slice(colon + 1);
  if (local === '' || remote === '') throw new CliError('USAGE', `invalid refspec ${JSON.stringify(text)}: use [LOCAL:]REMOTE_REF`, { refspec: text });
  return { local, remote };
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
