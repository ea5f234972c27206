import { Args, Flags } from '@oclif/core';
import { commitTree, parseTimestamp, revParse, type CommitResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';

export default class Commit extends OsgitCommand<CommitResult> {
  static override description = 'Commit a directory tree (same flags and same checksum as `ostree commit`)';
  static override examples = [
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
  };

  async exec(): Promise<CommitResult> {
    const { flags, args } = await this.parse(Commit);
    const repo = await this.openRepo(flags.repo);
    let dir = args.dir;
    if (flags.tree) {
      if (!flags.tree.startsWith('dir=')) throw new CliError('USAGE', `--tree must be dir=DIR, not ${flags.tree}`);
      if (dir) throw new CliError('USAGE', 'give the directory either as an argument or as --tree=dir=DIR, not both');
      dir = flags.tree.slice(4);
    }
    if (!dir) throw new CliError('USAGE', 'nothing to commit: give a directory (osgit commit -b BRANCH DIR)');
    const metadataStrings = (flags['add-metadata-string'] ?? []).map((kv): [string, string] => {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new CliError('USAGE', `--add-metadata-string needs KEY=VALUE, not ${JSON.stringify(kv)}`);
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    });
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
        onProgress: (p) => bar.update(p.files, { detail: `${(p.bytesRead / 1e6).toFixed(1)} MB` }),
      });
    } finally {
      bar.stop();
    }
  }

  protected override render(r: CommitResult): void {
    const s = r.stats;
    this.out(`${r.branch ?? '(orphan)'}: ${s.files} files, ${s.dirs} dirs, ${(s.bytesRead / 1e6).toFixed(1)} MB read; ${s.objectsWritten} new objects, ${(s.bytesWritten / 1e6).toFixed(1)} MB written`);
    this.out(r.commit);
  }
}
