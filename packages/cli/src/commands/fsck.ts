import { fsck, StoreError, type FsckResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';

export default class Fsck extends OsgitCommand<FsckResult> {
  static override description = 'Verify every object; name the commits and refs any damage affects';
  static override examples = ['<%= config.bin %> fsck --repo repo'];

  async exec(): Promise<FsckResult> {
    const { flags } = await this.parse(Fsck);
    const repo = await this.openRepo(flags.repo);
    // The bar is made once fsck knows how many objects there are; the base class clears it
    // when the command ends, whether fsck returns or throws.
    let bar: ReturnType<typeof this.progress> | null = null;
    return fsck(repo, {
      onProgress: (p) => {
        bar ??= this.progress('fsck', 'objects', p.total);
        bar.update(p.checked);
      },
    });
  }

  protected override render(r: FsckResult): void {
    for (const p of r.problems) this.out(`error: ${p.type} ${p.checksum}: ${p.message}`);
    for (const b of r.brokenRefs) this.out(`error: ${b.message}`);
    for (const u of r.unreadable) this.out(`error: ${u.message}; the objects there were not checked`);
    for (const a of r.affectedCommits) {
      this.out(`affected commit ${a.commit}${a.refs.length ? ` (refs: ${a.refs.join(', ')})` : ''}`);
    }
    if (r.partialCommits.length) this.out(`${r.partialCommits.length} partial commit(s) not checked for completeness`);
    this.out(`${r.objectsChecked} objects in ${r.commitsChecked} commits checked: ${r.ok ? 'no errors found' : `${problemCount(r)} problem(s)`}`);
  }

  /** Damage found is FSCK_FAILED: the report is printed (or is the JSON document), and the exit status comes from the table. */
  protected override failureOf(r: FsckResult): StoreError | undefined {
    if (r.ok) return undefined;
    return new StoreError('FSCK_FAILED', 'fsck found problems', { problems: problemCount(r) });
  }
}

function problemCount(r: FsckResult): number {
  return r.problems.length + r.brokenRefs.length + r.unreadable.length;
}
