import { revert, type PickCommitOptions, type PickCommitResult, type Repo } from '@osgit/store';
import { PickCommand, pickArgs, pickFlags } from '../pick-command.js';

export default class Revert extends PickCommand {
  static override description = 'Undo the change a commit made, as a new commit on a branch (--into BRANCH), as git revert';
  static override examples = [
    'cd wt && <%= config.bin %> revert os/main~2',
    '<%= config.bin %> revert --repo repo --into os/stable os/main~2',
    '<%= config.bin %> revert --repo repo --into os/stable -m 1 MERGE_COMMIT',
  ];
  static override args = pickArgs('commit to revert');
  static override flags = pickFlags;
  protected readonly operation = 'revert';
  protected readonly done = 'Reverted';
  protected pick(repo: Repo, opts: PickCommitOptions): Promise<PickCommitResult> {
    return revert(repo, opts);
  }
}
