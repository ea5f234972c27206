import { Flags } from '@oclif/core';
import { parsePruneDate, prune, revParse, type PruneResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { formatSize } from '../format-size.js';

export default class Prune extends OsgitCommand<PruneResult> {
  static override description = [
    'Delete unreachable objects, with the semantics of `ostree prune`.',
    'Without flags only objects no commit reaches go (commits stay). --refs-only keeps what the refs',
    '(heads, tags, remotes, mirrors) and, in a sysroot, the deployments reach, to --depth parent steps;',
    'unlike ostree, osgit merge parents count as history. Holds the repository lock exclusively',
    '(the lock ostree takes), so no writer of either tool runs meanwhile.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> prune --repo repo --refs-only',
    '<%= config.bin %> prune --repo repo --refs-only --depth 5 --dry-run',
    '<%= config.bin %> prune --repo repo --keep-younger-than "30 days ago"',
    '<%= config.bin %> prune --repo repo --delete-commit 3f2a...   # a commit no ref points at',
  ];
  static override flags = {
    'refs-only': Flags.boolean({ description: 'keep only what refs (and deployments) reach, not every commit object' }),
    depth: Flags.integer({ description: 'parent steps to keep from each ref, over every parent (-1 = all history)', default: -1, min: -1 }),
    'keep-younger-than': Flags.string({
      description: 'keep each ref tip and its ancestors dated at or after DATE (@EPOCH, ISO 8601, "N days ago"); implies --refs-only',
      helpValue: 'DATE',
    }),
    'delete-commit': Flags.string({ description: 'delete this commit (no ref may point at it), leaving a tombstone, then prune', helpValue: 'COMMIT' }),
    'dry-run': Flags.boolean({ description: 'report what would be deleted; delete nothing' }),
    'no-prune': Flags.boolean({ description: "same as --dry-run (ostree's spelling)" }),
    'force-unlocked': Flags.boolean({ description: 'run although [core] locking=false leaves writers unexcluded' }),
  };

  async exec(): Promise<PruneResult> {
    const { flags } = await this.parse(Prune);
    const repo = await this.openRepo(flags.repo);
    const since = flags['keep-younger-than'] !== undefined ? parsePruneDate(flags['keep-younger-than']) : undefined;
    const deleteCommit = flags['delete-commit'] !== undefined ? await revParse(repo, flags['delete-commit']) : undefined;
    let bar: ReturnType<typeof this.progress> | null = null;
    return prune(repo, {
      refsOnly: flags['refs-only'],
      depth: flags.depth,
      dryRun: flags['dry-run'] || flags['no-prune'],
      forceUnlocked: flags['force-unlocked'],
      ...(since !== undefined ? { keepYoungerThan: since } : {}),
      ...(deleteCommit !== undefined ? { deleteCommit } : {}),
      onProgress: (p) => {
        if (p.phase !== 'sweep') return;
        bar ??= this.progress('pruning', 'objects', p.total);
        bar.update(p.done);
      },
    });
  }

  protected override render(r: PruneResult): void {
    if (r.deletedCommit) this.out(`Deleted commit ${r.deletedCommit} (tombstone written)`);
    this.out(`Total objects: ${r.totalObjects}`);
    if (r.deletedObjects === 0) this.out('No unreachable objects');
    else if (r.dryRun) this.out(`Would delete: ${r.deletedObjects} objects, freeing ${formatSize(r.freedBytes)}`);
    else this.out(`Deleted ${r.deletedObjects} objects, ${formatSize(r.freedBytes)} freed`);
    if (r.spared > 0) this.out(`Kept ${r.spared} unreachable object(s) written after the mark phase began`);
    for (const d of r.staticDeltasRemoved) this.out(`${r.dryRun ? 'Would remove' : 'Removed'} static delta ${d}`);
    if (r.tmpRemoved.length > 0) this.out(`${r.dryRun ? 'Would clean' : 'Cleaned'} ${r.tmpRemoved.length} stale tmp/ entr${r.tmpRemoved.length === 1 ? 'y' : 'ies'}`);
  }
}
