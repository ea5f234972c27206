import { Args, Flags } from '@oclif/core';
import { mirrorPull, pull, REMOTE_PROTOCOLS, type MirrorPullResult, type PullProgress, type PullResult, type RemoteProtocol } from '@osgit/protocol';
import { OsgitCommand } from '../base-command.js';
import { mirrorLines } from '../mirror-output.js';
import { pullProgressLine } from '../pull-progress.js';

export default class Pull extends OsgitCommand<PullResult | MirrorPullResult> {
  static override description =
    'Pull refs from a remote (smart protocol when the server offers it, else OSTree\'s static layout); writes REMOTE:REF, or REF with --mirror';
  static override examples = [
    '<%= config.bin %> pull --repo repo origin os/x86_64/stable',
    '<%= config.bin %> pull --repo repo origin os/main --depth 1 --protocol dumb',
    '<%= config.bin %> pull --repo mirror --mirror origin',
  ];
  static override strict = false; // REF...
  static override args = {
    remote: Args.string({ description: 'remote name (see osgit remote list)', required: true }),
    refs: Args.string({ description: 'refs to pull (default: the remote\'s branches=; with --mirror, every ref in its summary)' }),
  };
  static override flags = {
    depth: Flags.integer({ description: 'parents to pull beyond each commit (-1: all history)', default: 0, min: -1 }),
    mirror: Flags.boolean({ description: 'a verbatim copy: refs/heads/REF instead of refs/remotes/REMOTE/REF, detached metadata refreshed; with no refs (and no branches=), every ref, summary, summary.sig and static deltas' }),
    'commit-metadata-only': Flags.boolean({ description: 'pull commits and their detached metadata only (they stay partial)' }),
    protocol: Flags.string({ description: 'auto (probe the server), smart or dumb (default: the remote\'s osgit-protocol, else auto)', options: [...REMOTE_PROTOCOLS] }),
    'allow-downgrade': Flags.boolean({ description: 'accept moving a ref to a commit older (by timestamp) than the one it holds (refused by default: a replayed old commit)' }),
    'stall-timeout': Flags.integer({ description: 'seconds without a byte before a transfer is abandoned and retried (default: the remote\'s osgit-stall-timeout-secs, else 30)', min: 1 }),
  };

  async exec(): Promise<PullResult | MirrorPullResult> {
    const { args, argv, flags } = await this.parse(Pull);
    const repo = await this.openRepo(flags.repo);
    const refs = (argv as string[]).slice(1);
    const json = this.jsonEnabled();
    const bar = this.progress(`pull ${args.remote}`, 'objects');
    const started = Date.now();
    const onProgress = (p: PullProgress): void => {
      if (json) process.stderr.write(`${JSON.stringify({ progress: p })}\n`);
      else bar.update(p.objects, { detail: pullProgressLine(p, Date.now() - started) });
    };
    const opts = {
      remote: args.remote,
      refs,
      depth: flags.depth,
      commitMetadataOnly: flags['commit-metadata-only'],
      ...(flags.protocol ? { protocol: flags.protocol as RemoteProtocol } : {}),
      ...(flags['stall-timeout'] ? { stallTimeoutSecs: flags['stall-timeout'] } : {}),
      allowDowngrade: flags['allow-downgrade'],
    };
    const result = flags.mirror ? await mirrorPull({ repo, onProgress }, opts) : await pull({ repo, onProgress }, opts);
    // On stderr (one JSON line each with --json, like progress); the JSON document keeps them too.
    for (const w of result.warnings ?? []) process.stderr.write(json ? `${JSON.stringify({ warning: w })}\n` : `osgit: warning: ${w}\n`);
    return result;
  }

  protected override render(r: PullResult | MirrorPullResult): void {
    if ('summaryCopied' in r) {
      for (const line of mirrorLines(r)) this.out(line);
      return;
    }
    for (const ref of r.refs) {
      const change = ref.old === ref.commit ? 'unchanged' : ref.old ? `${ref.old.slice(0, 10)} -> ${ref.commit}` : `new ${ref.commit}`;
      this.out(`${ref.localRef}: ${change}`);
    }
    this.out(`${r.objects} objects, ${formatBytes(r.bytes)} fetched over the ${r.protocol} protocol in ${(r.durationMs / 1000).toFixed(1)} s`);
    if (r.verified) {
      const v = r.verified;
      this.out(`verified: ${v.commits} commit${v.commits === 1 ? '' : 's'}${v.summary ? ' and the summary' : ''}, signed by ${v.keys.length > 0 ? v.keys.join(', ') : 'no new signature'}`);
    }
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
