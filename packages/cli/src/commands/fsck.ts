import { Flags } from '@oclif/core';
import { fsck, StoreError, type FsckResult } from '@osgit/store';
import type { RepairResult } from '@osgit/protocol';
import { OsgitCommand } from '../base-command.js';

/** `fsck`'s --json document: the fsck result, or with --repair the repair report (its `fsck` is the final check). */
export type FsckOutput = FsckResult | RepairResult;

export default class Fsck extends OsgitCommand<FsckOutput> {
  static override description =
    'Verify every object; name the commits and refs any damage affects. With --repair: move corrupt objects out of objects/ ' +
    '(into tmp/osgit-quarantine/), fetch what the damaged commits need from a remote (verified as in a pull), and check again';
  static override examples = [
    '<%= config.bin %> fsck --repo repo',
    '<%= config.bin %> fsck --repo repo --repair',
    '<%= config.bin %> fsck --repo repo --repair --remote origin',
  ];
  static override flags = {
    repair: Flags.boolean({
      description: 'quarantine corrupt objects and fetch every missing or corrupt object a commit needs from a remote; ' +
        'without any remote, only quarantine and mark the damaged commits partial (as ostree fsck --delete)',
    }),
    remote: Flags.string({
      description: 'remote (or mirror) to fetch from (default: the remote each damaged ref tracks, else the only remote)',
      dependsOn: ['repair'],
    }),
  };

  async exec(): Promise<FsckOutput> {
    const { flags } = await this.parse(Fsck);
    const repo = await this.openRepo(flags.repo);
    // The bar is made once fsck knows how many objects there are; the base class clears it
    // when the command ends, whether fsck returns or throws.
    let bar: ReturnType<typeof this.progress> | null = null;
    if (!flags.repair) {
      return fsck(repo, {
        onProgress: (p) => {
          bar ??= this.progress('fsck', 'objects', p.total);
          bar.update(p.checked);
        },
      });
    }
    // Loaded only for a repair: a plain fsck needs no HTTP client.
    const { repair } = await import('@osgit/protocol');
    const bars = new Map<string, ReturnType<typeof this.progress>>();
    return repair({
      repo,
      onProgress: (p) => {
        if (p.phase === 'fetch') {
          if (!bars.has('fetch')) bars.set('fetch', this.progress('fetch', 'objects'));
          bars.get('fetch')!.update(p.objects);
          return;
        }
        if (!bars.has(p.phase)) bars.set(p.phase, this.progress(p.phase === 'fsck' ? 'fsck' : 'fsck again', 'objects', p.total));
        bars.get(p.phase)!.update(p.checked);
      },
    }, flags.remote !== undefined ? { remote: flags.remote } : {});
  }

  protected override render(r: FsckOutput): void {
    if (!('fsck' in r)) {
      renderFsck(r, (l) => this.out(l));
      return;
    }
    for (const q of r.quarantined) this.out(`quarantined ${q.type} ${q.checksum} -> ${q.path}`);
    for (const o of r.repaired) this.out(`repaired ${o.type} ${o.checksum} (was ${o.was}) from ${o.remote}`);
    for (const o of r.unrepaired) this.out(`not repaired: ${o.type} ${o.checksum} (was ${o.was}): ${o.message}`);
    if (r.refsAffected.length) this.out(`refs affected: ${r.refsAffected.join(', ')}`);
    for (const c of r.commitsPartial) this.out(`commit ${c} left partial: a pull or another fsck --repair completes it`);
    this.out(`repair: ${r.problemsFound} problem(s) found, ${r.quarantined.length} quarantined, ${r.repaired.length} object(s) repaired, ${r.unrepaired.length} not repaired`);
    this.out('after the repair:');
    renderFsck(r.fsck, (l) => this.out(l));
  }

  /** Damage found (or left) is FSCK_FAILED: the report is printed (or is the JSON document), and the exit status comes from the table. */
  protected override failureOf(r: FsckOutput): StoreError | undefined {
    if ('fsck' in r) {
      if (r.ok) return undefined;
      return new StoreError('FSCK_FAILED', `fsck --repair could not repair everything: ${r.unrepaired.length} object(s) not repaired, ${problemCount(r.fsck)} problem(s) left`, {
        unrepaired: r.unrepaired.length, problems: problemCount(r.fsck),
      });
    }
    if (r.ok) return undefined;
    return new StoreError('FSCK_FAILED', 'fsck found problems', { problems: problemCount(r) });
  }
}

function renderFsck(r: FsckResult, out: (line: string) => void): void {
  for (const p of r.problems) out(`error: ${p.type} ${p.checksum}: ${p.message}`);
  for (const b of r.brokenRefs) out(`error: ${b.message}`);
  for (const u of r.unreadable) out(`error: ${u.message}; the objects there were not checked`);
  for (const c of r.fsckPartialCommits) out(`error: commit ${c} is partial since an fsck removed objects it needs: run fsck --repair with a remote, or pull`);
  for (const a of r.affectedCommits) {
    out(`affected commit ${a.commit}${a.refs.length ? ` (refs: ${a.refs.join(', ')})` : ''}`);
  }
  const others = r.partialCommits.length - r.fsckPartialCommits.length;
  if (others) out(`${others} partial commit(s) not checked for completeness`);
  out(`${r.objectsChecked} objects in ${r.commitsChecked} commits checked: ${r.ok ? 'no errors found' : `${problemCount(r)} problem(s)`}`);
}

function problemCount(r: FsckResult): number {
  return r.problems.length + r.brokenRefs.length + r.unreadable.length + r.fsckPartialCommits.length;
}
