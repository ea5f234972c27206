import { fsck, type FsckResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';

export default class Fsck extends OsgitCommand<FsckResult> {
  static override description = 'Verify every object; name the commits and refs any damage affects';
  static override examples = ['<%= config.bin %> fsck --repo repo'];

  async exec(): Promise<FsckResult> {
    const { flags } = await this.parse(Fsck);
    const repo = await this.openRepo(flags.repo);
    let bar: ReturnType<typeof this.progress> | null = null;
    const result = await fsck(repo, {
      onProgress: (p) => {
        bar ??= this.progress('fsck', 'objects', p.total);
        bar.update(p.checked);
      },
    });
    (bar as ReturnType<typeof this.progress> | null)?.stop();
    if (!result.ok) process.exitCode = 4;
    return result;
  }

  protected override render(r: FsckResult): void {
    for (const p of r.problems) this.out(`error: ${p.type} ${p.checksum}: ${p.message}`);
    for (const b of r.brokenRefs) this.out(`error: ${b.message}`);
    for (const a of r.affectedCommits) {
      this.out(`affected commit ${a.commit}${a.refs.length ? ` (refs: ${a.refs.join(', ')})` : ''}`);
    }
    if (r.partialCommits.length) this.out(`${r.partialCommits.length} partial commit(s) not checked for completeness`);
    this.out(`${r.objectsChecked} objects in ${r.commitsChecked} commits checked: ${r.ok ? 'no errors found' : `${r.problems.length + r.brokenRefs.length} problem(s)`}`);
    if (!r.ok) process.stderr.write('osgit: error: fsck found problems\n');
  }
}
