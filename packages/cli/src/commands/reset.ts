import { Args, Flags } from '@oclif/core';
import { findWorktree, resetBranch, resetWorktree, revParse, type ResetResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';

export default class Reset extends OsgitCommand<ResetResult> {
  static override description =
    "Move a branch to a revision. In a worktree: its branch, and --hard rewrites the files that differ (discarding local changes); --soft/--mixed (the default; the same, osgit has no index) keep the files. Outside one: --branch B (refused while a worktree uses B, unless --force)";
  static override examples = [
    'cd wt && <%= config.bin %> reset --hard HEAD^',
    'cd wt && <%= config.bin %> reset --soft os/main~2',
    '<%= config.bin %> reset --repo repo --branch os/main os/main^',
  ];
  static override args = { rev: Args.string({ description: 'revision to move to', required: true }) };
  static override flags = {
    soft: Flags.boolean({ description: 'keep the files (the worktree then differs from the new head)', exclusive: ['mixed', 'hard'] }),
    mixed: Flags.boolean({ description: 'the same as --soft (osgit has no index); the default', exclusive: ['soft', 'hard'] }),
    hard: Flags.boolean({ description: 'also rewrite the files that differ, discarding local changes', exclusive: ['soft', 'mixed'] }),
    branch: Flags.string({ description: 'outside a worktree: the branch to move' }),
    force: Flags.boolean({ description: 'with --branch: move it even though a worktree uses it' }),
  };

  async exec(): Promise<ResetResult> {
    const { flags, args } = await this.parse(Reset);
    if (flags.branch) {
      if (flags.hard) throw new CliError('USAGE', '--hard needs a worktree: --branch moves only the branch');
      const repo = await this.openRepo(flags.repo);
      return resetBranch(repo, flags.branch, await revParse(repo, args.rev), { force: flags.force, rev: args.rev });
    }
    const repo = flags.repo ? await this.openRepo(flags.repo) : undefined;
    const found = await findWorktree(process.cwd(), repo);
    if (!found) throw new CliError('USAGE', 'not in a worktree: give --branch BRANCH to move a branch of the repository');
    const { worktree } = found;
    const target = await revParse(found.repo, args.rev, { head: worktree.branch });
    return resetWorktree(worktree, target, { mode: flags.hard ? 'hard' : flags.soft ? 'soft' : 'mixed', rev: args.rev });
  }

  protected override render(r: ResetResult): void {
    this.out(`${r.branch}: ${r.from} -> ${r.to} (${r.mode}${r.mode === 'hard' ? `, ${r.updated} paths rewritten` : ''})`);
    this.out(r.to);
  }
}
