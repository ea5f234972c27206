import { Args } from '@oclif/core';
import { diffCommits, revParse, type DiffEntry } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';

interface DiffResult {
  from: string;
  to: string;
  entries: DiffEntry[];
}

const LETTER = { added: 'A', removed: 'D', modified: 'M' } as const;

export default class Diff extends OsgitCommand<DiffResult> {
  static override description = 'Paths added (A), removed (D) and modified (M) between two revisions';
  static override examples = ['<%= config.bin %> diff --repo repo os/main^ os/main'];
  static override args = {
    from: Args.string({ description: 'old revision', required: true }),
    to: Args.string({ description: 'new revision', required: true }),
  };

  async exec(): Promise<DiffResult> {
    const { flags, args } = await this.parse(Diff);
    const repo = await this.openRepo(flags.repo);
    const from = await revParse(repo, args.from);
    const to = await revParse(repo, args.to);
    const { entries } = await diffCommits(repo, from, to);
    return { from, to, entries };
  }

  protected override render(r: DiffResult): void {
    for (const e of r.entries) this.out(`${LETTER[e.kind]}    ${e.path}${e.type === 'dir' ? '/' : ''}`);
  }
}
