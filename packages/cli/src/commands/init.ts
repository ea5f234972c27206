import { Flags } from '@oclif/core';
import { Repo, REPO_MODES, parseRepoMode, configModeName } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';

interface InitResult {
  path: string;
  mode: string;
}

export default class Init extends OsgitCommand<InitResult> {
  static override description = 'Create an empty repository (same layout and config as `ostree init`)';
  static override examples = ['<%= config.bin %> init --repo ./repo --mode archive'];
  static override flags = {
    mode: Flags.string({ description: `repository mode: ${REPO_MODES.join(', ')} (archive is written archive-z2)`, default: 'bare' }),
    'collection-id': Flags.string({ description: 'collection ID of the repository' }),
  };

  async exec(): Promise<InitResult> {
    const { flags } = await this.parse(Init);
    const path = flags.repo ?? process.env.OSGIT_REPO;
    if (!path) throw new CliError('USAGE', 'init needs --repo PATH (or OSGIT_REPO)');
    const mode = parseRepoMode(flags.mode);
    const repo = await Repo.init(path, { mode, ...(flags['collection-id'] ? { collectionId: flags['collection-id'] } : {}) });
    return { path: repo.path, mode: configModeName(repo.mode) };
  }

  protected override render(r: InitResult): void {
    this.out(`Initialized ${r.mode} repository in ${r.path}`);
  }
}
