import { Args, Flags } from '@oclif/core';
import { listRefs, log, revParse, type LogResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { formatCommit } from '../format-commit.js';
import { headOptions } from '../worktree-head.js';

export default class Log extends OsgitCommand<LogResult> {
  static override description = 'Show the history of a revision over every parent, newest first (--graph: as a graph, a merged branch before the mainline)';
  static override examples = [
    '<%= config.bin %> log --repo repo os/main',
    '<%= config.bin %> log --repo repo -n 3 --json os/main',
    '<%= config.bin %> log --repo repo --graph os/main',
    '<%= config.bin %> log --repo repo --graph --all',
  ];
  static override strict = false; // REV...
  static override args = { rev: Args.string({ description: 'revisions (default HEAD, in a worktree); several show their histories together' }) };
  static override flags = {
    all: Flags.boolean({ description: 'the history of every local branch and tag (with the revisions given)' }),
    'max-count': Flags.integer({ char: 'n', description: 'show at most N commits', min: 1 }),
    graph: Flags.boolean({ description: 'draw the history as a graph, one line per commit (as git log --graph --oneline)' }),
  };

  async exec(): Promise<LogResult> {
    const { flags, argv } = await this.parse(Log);
    const repo = await this.openRepo(flags.repo);
    const head = await headOptions(repo);
    const revs = (argv as string[]).length > 0 || flags.all ? (argv as string[]) : ['HEAD'];
    const starts: string[] = [];
    for (const rev of revs) starts.push(await revParse(repo, rev, head));
    if (flags.all) starts.push(...(await listRefs(repo)).map((r) => r.commit));
    return log(repo, [...new Set(starts)], { ...(flags['max-count'] ? { maxCount: flags['max-count'] } : {}), graph: flags.graph });
  }

  protected override render(r: LogResult): void {
    if (r.graph) {
      const byId = new Map(r.commits.map((c) => [c.commit, c] as const));
      for (const line of r.graph) {
        const c = line.commit ? byId.get(line.commit) : undefined;
        this.out(c ? `${line.graph}${c.commit.slice(0, 7)} ${c.subject}` : line.graph);
      }
    } else {
      for (const c of r.commits) this.out(formatCommit(c));
    }
    if (r.truncated) this.out('<< History beyond this commit not fetched >>');
  }
}
