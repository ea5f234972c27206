import { Flags } from '@oclif/core';
import { updateSummary, type SummaryResult } from '@osgit/store';
import { OsgitCommand } from '../base-command.js';
import { CliError } from '../errors.js';

export default class Summary extends OsgitCommand<SummaryResult> {
  static override description = "Regenerate the repository's summary file (refs and metadata for clients), like `ostree summary -u`";
  static override examples = ['<%= config.bin %> summary --repo repo -u'];
  static override flags = { update: Flags.boolean({ char: 'u', description: 'regenerate the summary' }) };

  async exec(): Promise<SummaryResult> {
    const { flags } = await this.parse(Summary);
    if (!flags.update) throw new CliError('USAGE', 'nothing to do: pass -u to regenerate the summary');
    const repo = await this.openRepo(flags.repo);
    return updateSummary(repo);
  }

  protected override render(r: SummaryResult): void {
    this.out(`Updated summary: ${r.refs.length} ref(s), ${r.bytes} bytes`);
  }
}
