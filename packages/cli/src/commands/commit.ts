import { Args, Flags } from '@oclif/core';
import { commitTree, parseTimestamp, revParse, type CommitResult, type SigningKey, type WorktreeCommitResult } from '@osgit/store';
import { OsgitCommand, type BaseFlags } from '../base-command.js';
import { CliError } from '../errors.js';
import { requireWorktree } from '../worktree-context.js';
import { commitLines } from '../commit-output.js';
import { loadSigningKeys } from '../signing-keys.js';

/** Flags that shape how a folder is read: a worktree commit keeps what its branch recorded, so it refuses them. */
const FOLDER_ONLY_FLAGS = ['owner-uid', 'owner-gid', 'canonical-permissions', 'no-xattrs', 'orphan', 'parent'] as const;

type AnyCommitResult = CommitResult | (WorktreeCommitResult & { worktree: string });

export default class Commit extends OsgitCommand<AnyCommitResult> {
  static override description =
    'Commit a directory tree (same flags and same checksum as `ostree commit`); inside a worktree with no DIR, commit the worktree as the next commit of its branch';
  static override examples = [
    'cd wt && <%= config.bin %> commit -s "Enable sshd" --timestamp=@1700000000',
    '<%= config.bin %> commit --repo repo -b os/main -s "Build 42" --timestamp=@1700000000 rootfs/',
    '<%= config.bin %> commit --repo repo -b os/main --tree=dir=rootfs --add-metadata-string version=42 --owner-uid=0 --owner-gid=0',
  ];
  static override args = { dir: Args.string({ description: 'directory to commit (or --tree=dir=DIR)' }) };
  static override flags = {
    branch: Flags.string({ char: 'b', description: 'branch to advance' }),
    subject: Flags.string({ char: 's', description: 'one-line subject' }),
    body: Flags.string({ char: 'm', description: 'full description' }),
    tree: Flags.string({ description: 'dir=DIR: the directory to commit' }),
    timestamp: Flags.string({ description: 'commit time: ISO 8601 or @EPOCH (default SOURCE_DATE_EPOCH, else now)' }),
    'add-metadata-string': Flags.string({ description: 'KEY=VALUE metadata (repeatable)', multiple: true, multipleNonGreedy: true }),
    'owner-uid': Flags.integer({ description: 'record this uid for every entry', min: 0, max: 2147483647 }),
    'owner-gid': Flags.integer({ description: 'record this gid for every entry', min: 0, max: 2147483647 }),
    'canonical-permissions': Flags.boolean({ description: 'uid/gid 0, permissions masked to 0755, no xattrs' }),
    'no-xattrs': Flags.boolean({ description: 'do not record extended attributes' }),
    'no-bindings': Flags.boolean({ description: 'do not bind the commit to its branch (ostree.ref-binding)' }),
    orphan: Flags.boolean({ description: 'create a commit with no branch and no parent' }),
    parent: Flags.string({ description: 'parent commit (revision, or "none")' }),
    'allow-empty': Flags.boolean({ description: 'worktree commit: commit even when nothing changed' }),
    'sign-key': Flags.string({ description: 'sign the commit with this ed25519 secret key file (as `osgit keygen` writes it); repeatable', multiple: true, multipleNonGreedy: true }),
    'gpg-sign-key': Flags.string({ description: 'sign the commit with this OpenPGP secret key file (armored, unprotected); repeatable', multiple: true, multipleNonGreedy: true }),
  };

  async exec(): Promise<AnyCommitResult> {
    const { flags, args } = await this.parse(Commit);
    // Keys first: a bad key file must not leave an unsigned commit behind.
    const signingKeys = await loadSigningKeys(flags['sign-key'] ?? [], flags['gpg-sign-key'] ?? []);
    if (!args.dir && !flags.tree && !flags.branch) return this.commitWorktree(flags, signingKeys);
    if (flags['allow-empty']) throw new CliError('USAGE', '--allow-empty applies to a worktree commit (no DIR, no -b)');
    const repo = await this.openRepo(flags.repo);
    let dir = args.dir;
    if (flags.tree) {
      if (!flags.tree.startsWith('dir=')) throw new CliError('USAGE', `--tree must be dir=DIR, not ${flags.tree}`);
      if (dir) throw new CliError('USAGE', 'give the directory either as an argument or as --tree=dir=DIR, not both');
      dir = flags.tree.slice(4);
    }
    if (!dir) throw new CliError('USAGE', 'nothing to commit: give a directory (osgit commit -b BRANCH DIR)');
    const metadataStrings = parseMetadataStrings(flags['add-metadata-string']);
    let parent: string | null | undefined;
    if (flags.parent !== undefined) parent = flags.parent === 'none' ? null : await revParse(repo, flags.parent);
    const bar = this.progress('committing', 'files');
    try {
      return await commitTree(repo, {
        tree: dir,
        ...(flags.branch ? { branch: flags.branch } : {}),
        ...(flags.subject !== undefined ? { subject: flags.subject } : {}),
        ...(flags.body !== undefined ? { body: flags.body } : {}),
        ...(flags.timestamp ? { timestamp: parseTimestamp(flags.timestamp) } : {}),
        metadataStrings,
        ...(flags['owner-uid'] !== undefined ? { ownerUid: flags['owner-uid'] } : {}),
        ...(flags['owner-gid'] !== undefined ? { ownerGid: flags['owner-gid'] } : {}),
        canonicalPermissions: flags['canonical-permissions'],
        noXattrs: flags['no-xattrs'],
        bindings: !flags['no-bindings'],
        orphan: flags.orphan,
        ...(parent !== undefined ? { parent } : {}),
        ...(signingKeys.length > 0 ? { signingKeys } : {}),
        onProgress: (p) => bar.update(p.files, { detail: `${(p.bytesRead / 1e6).toFixed(1)} MB` }),
      });
    } finally {
      bar.stop();
    }
  }

  private async commitWorktree(flags: BaseFlags<typeof Commit>, signingKeys: SigningKey[]): Promise<AnyCommitResult> {
    for (const f of FOLDER_ONLY_FLAGS) {
      if (flags[f] !== undefined && flags[f] !== false) throw new CliError('USAGE', `--${f} does not apply to a worktree commit (it keeps what its branch recorded); commit a folder with -b BRANCH DIR for that`);
    }
    const { worktree } = await requireWorktree(flags.repo, 'commit with no DIR');
    const bar = this.progress('committing', 'files');
    try {
      const r = await worktree.commit({
        ...(flags.subject !== undefined ? { subject: flags.subject } : {}),
        ...(flags.body !== undefined ? { body: flags.body } : {}),
        ...(flags.timestamp ? { timestamp: parseTimestamp(flags.timestamp) } : {}),
        metadataStrings: parseMetadataStrings(flags['add-metadata-string']),
        bindings: !flags['no-bindings'],
        allowEmpty: flags['allow-empty'],
        ...(signingKeys.length > 0 ? { signingKeys } : {}),
        onProgress: (p) => bar.update(p.files, { detail: `${(p.bytesRead / 1e6).toFixed(1)} MB read` }),
      });
      return { ...r, worktree: worktree.path };
    } finally {
      bar.stop();
    }
  }

  protected override render(r: AnyCommitResult): void {
    for (const line of commitLines(r)) this.out(line);
  }
}

function parseMetadataStrings(values: string[] | undefined): Array<[string, string]> {
  return (values ?? []).map((kv): [string, string] => {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliError('USAGE', `--add-metadata-string needs KEY=VALUE, not ${JSON.stringify(kv)}`);
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  });
}
