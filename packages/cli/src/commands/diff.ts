import { Args } from '@oclif/core';
import { diffCommits, findWorktree, revParse, type DiffEntry, type WorktreeChangeEntry } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';
import { changeLine } from '../status-output.js';

type DiffResult =
  | { from: string; to: string; entries: DiffEntry[] }
  /** one revision in a worktree: that revision against the worktree's files */
  | { from: string; to: 'worktree'; worktree: string; entries: WorktreeChangeEntry[] };

const LETTER = { added: 'A', removed: 'D', modified: 'M' } as const;

export default class Diff extends OsgitCommand<DiffResult> {
  static override description =
    'Paths added (A), removed (D) and modified (M) between two revisions; in a worktree, one revision (default HEAD) against the files, with the change kinds of status';
  static override examples = ['<%= config.bin %> diff --repo repo os/main^ os/main', 'cd wt && <%= config.bin %> diff HEAD~2'];
  static override args = {
    from: Args.string({ description: 'old revision' }),
    to: Args.string({ description: 'new revision (omitted in a worktree: its files)' }),
  };

  async exec(): Promise<DiffResult> {
    const { flags, args } = await this.parse(Diff);
    if (!args.to) return this.againstWorktree(flags.repo, args.from);
    const repo = await this.openRepo(flags.repo);
    const from = await revParse(repo, args.from!);
    const to = await revParse(repo, args.to);
    const { entries } = await diffCommits(repo, from, to);
    return { from, to, entries };
  }

  private async againstWorktree(flagRepo: string | undefined, rev: string | undefined): Promise<DiffResult> {
    const repo = flagRepo ? await this.openRepo(flagRepo) : undefined;
    const found = await findWorktree(process.cwd(), repo);
    if (!found) throw new CliError('USAGE', 'give two revisions (osgit diff FROM TO), or run in a worktree to compare one with its files');
    const { worktree } = found;
    const from = await revParse(found.repo, rev ?? 'HEAD', { head: worktree.branch });
    return { from, to: 'worktree', worktree: worktree.path, entries: await worktree.diffAgainst(from) };
  }

  protected override render(r: DiffResult): void {
    if ('worktree' in r) {
      for (const e of r.entries) this.out(changeLine(e));
      return;
    }
    for (const e of r.entries) this.out(`${LETTER[e.kind]}    ${e.path}${e.type === 'dir' ? '/' : ''}`);
  }
}
