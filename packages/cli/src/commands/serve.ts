import { promises as fs } from 'node:fs';
import { Flags } from '@oclif/core';
import {
  protectedPrefixes, startServer, stderrLog, type PushServerOptions, type RunningServer, type ServeOptions, type SummaryPublishing,
} from '@osgit/remote-server';
import { parsePublicKey } from '@osgit/protocol';
import { loadSigningKey, loadTrustedKeys } from '@osgit/store';
import { OsgitCommand, type BaseFlags } from '../base-command.js';
import { CliError } from '../errors.js';
import { parseByteSize } from '../byte-size.js';

interface ServeResult {
  url: string;
}

/**
 * `osgit serve`: the repository (or every repository below a folder) over HTTP, dumb and smart,
 * until SIGTERM or SIGINT; then in-flight requests finish and it exits 0.
 */
export default class Serve extends OsgitCommand<ServeResult> {
  static override description =
    'Serve a repository over HTTP: OSTree\'s static layout (any ostree or osgit client can pull) and osgit\'s smart protocol under /osgit/v1/';
  static override examples = [
    '<%= config.bin %> serve --repo repo --port 8080',
    '<%= config.bin %> serve --root /srv/ostree --host 0.0.0.0 --port 80 --quiet',
    '<%= config.bin %> serve --repo repo --gpg-key release.asc --summary-expires 7d',
    '<%= config.bin %> serve --repo repo --token-public-key push.pub --protect os/stable --protect-keys release.ed25519.pub',
  ];
  // One flag per server option: route groups that need flags of their own (token keys for
  // push) add them here and pass them on in `serveOptions`.
  static override flags = {
    root: Flags.string({ description: 'serve every repository below this folder at /NAME/', exclusive: ['repo'] }),
    host: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    port: Flags.integer({ description: 'TCP port (0: any free port; the printed URL says which)', default: 8080, min: 0, max: 65535 }),
    quiet: Flags.boolean({ description: 'no log line per request (failures are still logged)' }),
    'max-body': Flags.string({ description: 'largest request body (push), e.g. 8G, 512M, 1000000' }),
    'max-object': Flags.string({ description: 'largest single object a push may carry, e.g. 2G' }),
    'max-connections': Flags.integer({ description: 'requests handled at once; more are answered 503 with Retry-After', min: 1 }),
    'shutdown-grace': Flags.integer({ description: 'seconds in-flight requests may run on after SIGTERM/SIGINT', min: 0 }),
    'token-public-key': Flags.string({ description: 'ed25519 PUBLIC key (osgit token keygen\'s OUT.pub) that push tokens must be signed with; without it every push is refused' }),
    'revoked-tokens': Flags.string({ description: 'file of revoked token ids, one per line (osgit token revoke); re-read within a second of a change' }),
    'sign-key': Flags.string({ multiple: true, description: 'ed25519 SECRET key file (osgit keygen) to sign every summary the server publishes with (summary.sig); repeatable' }),
    'gpg-key': Flags.string({ multiple: true, description: 'OpenPGP secret key file (armored or binary, unencrypted) to sign every published summary with; repeatable' }),
    'summary-expires': Flags.string({ description: 'each published summary carries ostree.summary.expires = now + DURATION (90s, 30m, 12h, 7d, 2w); the server republishes before half of it is gone' }),
    protect: Flags.string({ multiple: true, description: 'protected ref prefix (os/stable protects os/stable and os/stable/*): a push moving such a ref needs every new commit signed by a --protect-keys / --protect-gpg-keys key; repeatable' }),
    'protect-keys': Flags.string({ multiple: true, description: 'file of ed25519 PUBLIC keys, one base64 key per line, that may sign commits of protected refs; repeatable' }),
    'protect-gpg-keys': Flags.string({ multiple: true, description: 'OpenPGP public keyring (binary or armored) whose keys may sign commits of protected refs; repeatable' }),
  };

  async exec(): Promise<ServeResult> {
    const { flags } = await this.parse(Serve);
    // Signal handlers first: a SIGTERM that arrives as soon as the URL is out (a supervisor, a
    // test) must stop the server gracefully, not kill the process by the default action.
    const signals = stopSignals();
    try {
      const push = await pushOptions(flags);
      const summary = await summaryOptions(flags);
      const running = await this.start({ ...this.serveOptions(flags), smart: push, summary });
      signals.onSecond(() => running.server.closeAllConnections());
      const what = flags.root ? `repositories below ${flags.root}` : flags.repo;
      if (this.jsonEnabled()) {
        process.stdout.write(JSON.stringify({ url: running.url }) + '\n');
      } else {
        this.out(`Serving ${what} at ${running.url}`);
        for (const line of trustLines(push, summary)) this.out(line);
      }
      await signals.first;
      await running.close();
      return { url: running.url };
    } finally {
      signals.dispose();
    }
  }

  /** The URL was printed when the server started: nothing more when it stops, with or without --json. */
  override async run(): Promise<ServeResult> {
    await super.run();
    return undefined as unknown as ServeResult;
  }

  private serveOptions(flags: BaseFlags<typeof Serve>): ServeOptions {
    if (!flags.repo && !flags.root) throw new CliError('USAGE', 'serve needs --repo PATH (one repository) or --root DIR (every repository below DIR)');
    return {
      ...(flags.root ? { root: flags.root } : { repo: flags.repo! }),
      host: flags.host,
      port: flags.port,
      log: stderrLog({ quiet: flags.quiet }),
      limits: {
        ...(flags['max-body'] ? { maxBodyBytes: parseByteSize(flags['max-body'], '--max-body') } : {}),
        ...(flags['max-object'] ? { maxObjectBytes: parseByteSize(flags['max-object'], '--max-object') } : {}),
        ...(flags['max-connections'] ? { maxConcurrentRequests: flags['max-connections'] } : {}),
        ...(flags['shutdown-grace'] !== undefined ? { shutdownGraceMs: flags['shutdown-grace'] * 1000 } : {}),
      },
    };
  }

  private async start(opts: ServeOptions): Promise<RunningServer> {
    if (opts.root !== undefined) {
      const st = await fs.stat(opts.root).catch(() => null);
      if (!st?.isDirectory()) throw new CliError('USAGE', `--root ${opts.root} is not a folder`);
    }
    try {
      return await startServer(opts);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
        throw new CliError('USAGE', `cannot listen on ${opts.host}:${opts.port}: ${code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : 'address not available'}`, {}, { cause: err });
      }
      throw err;
    }
  }
}

/**
 * The push routes' options: the token public key and the protected refs with their keys, read
 * and checked now (a bad key fails at start-up, not at the first push).
 */
async function pushOptions(flags: BaseFlags<typeof Serve>): Promise<PushServerOptions> {
  const protect = flags.protect ?? [];
  const ed25519Files = flags['protect-keys'] ?? [];
  const gpgKeyrings = flags['protect-gpg-keys'] ?? [];
  if (protect.length > 0 && ed25519Files.length + gpgKeyrings.length === 0) {
    throw new CliError('USAGE', '--protect needs the keys that may sign those refs: --protect-keys FILE (ed25519) or --protect-gpg-keys FILE (OpenPGP)');
  }
  if (protect.length === 0 && ed25519Files.length + gpgKeyrings.length > 0) {
    throw new CliError('USAGE', '--protect-keys / --protect-gpg-keys need at least one --protect PREFIX to apply to');
  }
  const protectedRefs = protect.length > 0 ? { prefixes: protectedPrefixes(protect), keys: await loadTrustedKeys({ ed25519Files, gpgKeyrings }) } : null;
  if (!flags['token-public-key']) {
    if (flags['revoked-tokens']) throw new CliError('USAGE', '--revoked-tokens needs --token-public-key (without a key no push is accepted at all)');
    return { protectedRefs };
  }
  const text = await fs.readFile(flags['token-public-key'], 'utf8');
  return { tokenPublicKey: parsePublicKey(text, flags['token-public-key']), revokedTokensFile: flags['revoked-tokens'] ?? null, protectedRefs };
}

/** Summary signing keys and expiry, loaded now (a bad key fails at start-up). */
async function summaryOptions(flags: BaseFlags<typeof Serve>): Promise<SummaryPublishing> {
  const signingKeys = [
    ...(await Promise.all((flags['sign-key'] ?? []).map((f) => loadSigningKey(f, 'ed25519')))),
    ...(await Promise.all((flags['gpg-key'] ?? []).map((f) => loadSigningKey(f, 'gpg')))),
  ];
  const expires = flags['summary-expires'];
  return { ...(signingKeys.length > 0 ? { signingKeys } : {}), ...(expires !== undefined ? { expiresAfterSeconds: durationSeconds(expires, '--summary-expires') } : {}) };
}

/** What the server enforces, for the human output: one line each for summary signing and protected refs. */
function trustLines(push: PushServerOptions, summary: SummaryPublishing): string[] {
  const lines: string[] = [];
  const keys = summary.signingKeys ?? [];
  if (keys.length > 0 || summary.expiresAfterSeconds !== undefined) {
    const by = keys.map((k) => (k.type === 'ed25519' ? `ed25519 ${k.publicKey.toString('base64')}` : `OpenPGP ${k.fingerprint}`));
    const signed = keys.length > 0 ? `signed by ${by.join(', ')}` : 'not signed';
    const expiry = summary.expiresAfterSeconds !== undefined ? `, each valid for ${summary.expiresAfterSeconds} s` : '';
    lines.push(`Summaries ${signed}${expiry}`);
  }
  const rules = push.protectedRefs;
  if (rules) {
    const gpg = Array.isArray(rules.keys.gpg) ? rules.keys.gpg.length : 0;
    lines.push(`Protected refs ${rules.prefixes.join(', ')}: every new commit signed by one of ${rules.keys.ed25519.length} ed25519 and ${gpg} OpenPGP key(s)`);
  }
  return lines;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A duration such as 90s, 30m, 12h, 7d, 2w, in seconds; USAGE otherwise. */
function durationSeconds(text: string, flag: string): number {
  const m = /^(\d+)([smhdw])$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 2) throw new CliError('USAGE', `${flag} ${JSON.stringify(text)}: use a duration of at least 2s, such as 90s, 30m, 12h, 7d or 2w`);
  return seconds;
}

/**
 * SIGTERM/SIGINT handling for the life of the server: `first` resolves on the first signal (stop
 * accepting, let requests finish); a second one runs `onSecond` (cut the connections still open).
 */
function stopSignals(): { first: Promise<void>; onSecond(fn: () => void): void; dispose(): void } {
  let received = 0;
  let second: () => void = () => undefined;
  let resolveFirst!: () => void;
  const first = new Promise<void>((resolve) => (resolveFirst = resolve));
  const onSignal = () => {
    received++;
    if (received === 1) resolveFirst();
    else second();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    first,
    onSecond: (fn) => (second = fn),
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
